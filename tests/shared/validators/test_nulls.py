from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity
from tests.support.checkpoints import config_error, run_one

# 100 rows: `a` has 2 nulls, `b` has 30, `c` none.
FRAME = pl.DataFrame(
    {
        "a": [None, None, *range(98)],
        "b": [None] * 30 + list(range(70)),
        "c": list(range(100)),
    }
)


def test_null_reports_every_column_with_nulls(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, "null")
    found = {issue.column: issue for issue in result.issues}
    assert set(found) == {"a", "b"}
    assert (found["a"].count, found["a"].ratio) == (2, 0.02)
    assert found["a"].issue_type == "null_values"
    assert "2 null values" in found["a"].message and "'a'" in found["a"].message
    assert found["a"].sample == []


def test_null_passes_on_complete_columns(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, {"type": "null", "config": {"columns": ["c"]}})
    assert result.status is CheckpointStatus.SUCCESS
    assert result.issues == []


def test_null_max_ratio_reports_only_above_it(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, {"type": "null", "config": {"max_ratio": 0.1}})
    assert [issue.column for issue in result.issues] == ["b"]


def test_null_severity_follows_ratio_unless_fixed(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, "null")
    severities = {issue.column: issue.severity for issue in result.issues}
    assert severities == {"a": Severity.LOW, "b": Severity.HIGH}
    assert result.status is CheckpointStatus.WARNING
    fixed = run_one(tmp_path, FRAME, {"type": "null", "config": {"severity": "low"}})
    assert {issue.severity for issue in fixed.issues} == {Severity.LOW}
    assert fixed.status is CheckpointStatus.WARNING


def test_null_mostly_tolerates_a_fraction(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, {"type": "null", "config": {"mostly": 0.95}})
    assert [issue.column for issue in result.issues] == ["b"]


def test_not_null_flags_named_columns(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, {"type": "not_null", "config": {"columns": ["a", "c"]}})
    assert [(issue.validator, issue.column, issue.count) for issue in result.issues] == [
        ("not_null", "a", 2)
    ]
    tolerant = run_one(
        tmp_path, FRAME, {"type": "not_null", "config": {"columns": ["a"], "mostly": 0.98}}
    )
    assert tolerant.status is CheckpointStatus.SUCCESS


def test_completeness_requires_min_ratio(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, {"type": "completeness", "config": {"min_ratio": 0.9}})
    assert [(issue.column, issue.issue_type) for issue in result.issues] == [("b", "incomplete")]
    assert "70.00% complete" in result.issues[0].message
    assert result.issues[0].severity is Severity.HIGH
    mostly = run_one(tmp_path, FRAME, {"type": "completeness", "config": {"mostly": 0.6}})
    assert mostly.issues == []


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"type": "null", "config": {"max_ratio": 2}}, "validators[0].config.max_ratio"),
        ({"type": "not_null", "config": {"columns": []}}, "validators[0].config.columns"),
        ({"type": "completeness", "config": {"min_ratio": -1}}, "validators[0].config.min_ratio"),
        ({"type": "null", "config": {"mostly": 0}}, "validators[0].config.mostly"),
        ({"type": "null", "config": {"colums": ["a"]}}, "validators[0].config.colums"),
    ],
)
def test_bad_config_is_an_error_result(tmp_path: Path, spec: dict[str, object], field: str) -> None:
    assert field in config_error(spec, tmp_path, FRAME)


def test_counted_nouns_agree_with_the_count() -> None:
    from shared.validators.rowcheck import counted

    assert counted(1, "value") == "1 value"
    assert counted(0, "value") == "0 values"
    assert counted(12_345, "null value") == "12,345 null values"
