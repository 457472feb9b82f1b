from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity
from tests.support.checkpoints import config_error, run_one

# `id`: 7 and 9 appear twice (4 duplicated rows of 100); `a`+`b` repeat once as a pair.
FRAME = pl.DataFrame(
    {
        "id": [7, 7, 9, 9, None, None, *range(100, 194)],
        "a": [1, 1, *range(2, 100)],
        "b": ["x", "x", *(f"v{i}" for i in range(98))],
    }
)


def test_duplicates_per_column(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, {"type": "unique", "config": {"columns": ["id", "b"]}})
    found = {issue.column: issue for issue in result.issues}
    assert set(found) == {"id", "b"}
    assert found["id"].count == 4  # nulls are not duplicates
    assert found["id"].ratio == pytest.approx(4 / 98)
    assert found["id"].sample == [7, 9]  # each duplicated value once, in order
    assert found["id"].issue_type == "duplicate_values"


def test_unique_columns_pass(tmp_path: Path) -> None:
    result = run_one(
        tmp_path, FRAME, {"type": "unique", "config": {"columns": ["a"], "mostly": 0.99}}
    )
    (issue,) = result.issues  # 2 duplicated rows of 100: 98% pass, below 99%
    assert issue.count == 2
    strict = run_one(tmp_path, FRAME.slice(2), {"type": "unique", "config": {"columns": ["a"]}})
    assert strict.status is CheckpointStatus.SUCCESS


def test_combined_columns(tmp_path: Path) -> None:
    spec = {"type": "unique", "config": {"columns": ["a", "b"], "combined": True}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert (issue.column, issue.count) == ("a, b", 2)
    assert issue.sample == ["{'a': 1, 'b': 'x'}"]


def test_severity_and_mostly(tmp_path: Path) -> None:
    (issue,) = run_one(tmp_path, FRAME, {"type": "unique", "config": {"columns": ["id"]}}).issues
    assert issue.severity is Severity.LOW  # 4 of 98
    tolerant = {"type": "unique", "config": {"columns": ["id"], "mostly": 0.95}}
    assert run_one(tmp_path, FRAME, tolerant).issues == []
    fixed = {"type": "unique", "config": {"columns": ["id"], "severity": "high"}}
    assert run_one(tmp_path, FRAME, fixed).issues[0].severity is Severity.HIGH


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"columns": []}, "validators[0].config.columns"),
        ({"columns": "id"}, "validators[0].config.columns"),
        ({"columns": ["nope"]}, "unknown column 'nope'"),
    ],
)
def test_bad_config(tmp_path: Path, config: dict[str, object], expected: str) -> None:
    assert expected in config_error({"type": "unique", "config": config}, tmp_path, FRAME)
