from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity
from tests.support.checkpoints import config_error, run_one

FRAME = pl.DataFrame(
    {
        "category": ["a", "b", "zz", None, *(["a", "b", "c"] * 32)],
        "level": [1, 2, 3, 9, *([1] * 96)],
    }
)


def test_values_outside_the_set(tmp_path: Path) -> None:
    spec = {"type": "in_set", "config": {"columns": ["category"], "values": ["a", "b", "c"]}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert (issue.column, issue.issue_type, issue.count, issue.sample) == (
        "category",
        "not_in_set",
        1,
        ["zz"],
    )
    assert issue.severity is Severity.LOW  # 1 of 99 non-null


def test_numbers(tmp_path: Path) -> None:
    spec = {"type": "in_set", "config": {"columns": ["level"], "values": [1, 2, 3]}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert issue.sample == [9]
    as_text = {"type": "in_set", "config": {"columns": ["level"], "values": ["1", "2", "3", "9"]}}
    assert run_one(tmp_path, FRAME, as_text).status is CheckpointStatus.SUCCESS


def test_mostly_and_fixed_severity(tmp_path: Path) -> None:
    mostly = {
        "type": "in_set",
        "config": {"columns": ["category"], "values": ["a", "b"], "mostly": 0.6},
    }
    assert run_one(tmp_path, FRAME, mostly).issues == []
    strict = {"type": "in_set", "config": {"columns": ["category"], "values": ["a", "b"]}}
    (issue,) = run_one(tmp_path, FRAME, strict).issues
    assert issue.count == 33 and issue.severity is Severity.HIGH
    fixed = {
        "type": "in_set",
        "config": {"columns": ["category"], "values": ["a", "b"], "severity": "low"},
    }
    assert run_one(tmp_path, FRAME, fixed).status is CheckpointStatus.WARNING


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"columns": ["category"], "values": []}, "validators[0].config.values"),
        ({"columns": ["category"]}, "validators[0].config.values"),
        ({"columns": ["category"], "values": [{"a": 1}]}, "validators[0].config.values[0]"),
    ],
)
def test_bad_config(tmp_path: Path, config: dict[str, object], expected: str) -> None:
    assert expected in config_error({"type": "in_set", "config": config}, tmp_path, FRAME)
