from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity
from shared.validators import RangeValidator
from tests.support.checkpoints import config_error, run_one

FRAME = pl.DataFrame(
    {
        "amount": [0.0, 5.0, 10.0, 11.0, -1.0, None, *([3.0] * 94)],
        "day": [date(2024, 1, 1 + i % 28) for i in range(100)],
        "name": ["x"] * 100,
    }
)


@pytest.mark.parametrize("kind", ["range", "between"])
def test_values_outside_bounds_are_flagged_inclusive(tmp_path: Path, kind: str) -> None:
    spec = {"type": kind, "config": {"columns": ["amount"], "min": 0, "max": 10}}
    result = run_one(tmp_path, FRAME, spec)
    (issue,) = result.issues
    assert issue.validator == kind
    assert (issue.column, issue.issue_type, issue.count) == ("amount", "out_of_range", 2)
    assert issue.ratio == pytest.approx(2 / 99)  # nulls are not judged
    assert sorted(issue.sample) == [-1.0, 11.0]  # type: ignore[type-var]
    assert "[0, 10]" in issue.message


def test_exclusive_bounds(tmp_path: Path) -> None:
    spec = {
        "type": "range",
        "config": {"columns": ["amount"], "min": 0, "max": 10, "inclusive": False},
    }
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert issue.count == 4


def test_within_bounds_passes(tmp_path: Path) -> None:
    spec = {"type": "range", "config": {"columns": ["amount"], "min": -5}}
    assert run_one(tmp_path, FRAME, spec).status is CheckpointStatus.SUCCESS


def test_date_bounds(tmp_path: Path) -> None:
    spec = {"type": "range", "config": {"columns": ["day"], "max": "2024-01-20"}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    expected = sum(1 for value in FRAME["day"] if value > date(2024, 1, 20))
    assert issue.count == expected > 0
    assert all(isinstance(value, str) and value > "2024-01-20" for value in issue.sample)


def test_severity_and_mostly(tmp_path: Path) -> None:
    spec = {"type": "range", "config": {"columns": ["amount"], "max": 4}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert issue.count == 3 and issue.severity is Severity.MEDIUM  # 3 of 99 non-null
    mostly = {"type": "range", "config": {"columns": ["amount"], "max": 4, "mostly": 0.95}}
    assert run_one(tmp_path, FRAME, mostly).issues == []
    fixed = {"type": "range", "config": {"columns": ["amount"], "max": 4, "severity": "critical"}}
    assert run_one(tmp_path, FRAME, fixed).status is CheckpointStatus.FAILURE


def test_sample_size_limits_samples(tmp_path: Path) -> None:
    spec = {"type": "range", "config": {"columns": ["amount"], "max": 2, "sample_size": 2}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert len(issue.sample) == 2
    none = {"type": "range", "config": {"columns": ["amount"], "max": 2, "sample_size": 0}}
    assert run_one(tmp_path, FRAME, none).issues[0].sample == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"columns": ["amount"]}, "set min, max or both"),
        ({"min": 0}, "columns: name the columns the bounds apply to"),
        ({"columns": ["amount"], "min": 5, "max": 1}, "greater than max"),
        ({"columns": ["amount"], "min": "soon"}, "validators[0].config.min"),
        ({"columns": ["amount"], "min": 0, "max": "2024-01-01"}, "both be numbers"),
    ],
)
def test_bad_config(tmp_path: Path, config: dict[str, object], expected: str) -> None:
    assert expected in config_error({"type": "range", "config": config}, tmp_path, FRAME)


def test_bound_of_the_wrong_kind_for_the_column(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, {"type": "range", "config": {"columns": ["name"], "min": 0}})
    assert result.status is CheckpointStatus.ERROR
    assert result.error is not None
    assert "column 'name' has type String, which cannot be compared with a number" in result.error


def test_spec_keeps_bounds_exactly() -> None:
    validator = RangeValidator(columns=["t"], min=datetime(2024, 1, 1, 12), max=date(2025, 1, 1))
    assert validator.to_spec() == {
        "type": "range",
        "config": {"columns": ["t"], "min": "2024-01-01T12:00:00", "max": "2025-01-01"},
    }
    assert RangeValidator(validator.to_spec()["config"]).config == validator.config


def test_bare_range_checks_well_known_columns_by_name(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "age": [3, 151, -1, 40],
            "customer_age": [10, 20, 30, 200],
            "completion_percent": [0.0, 100.0, 100.5, 50.0],
            "month": [1, 12, 13, 0],
            "hour": [0, 23, 24, 5],
            "amount": [-5.0, 1e9, 0.0, 1.0],  # no well-known name: not checked
            "page": ["x", "y", "z", "w"],
        }
    )
    result = run_one(tmp_path, frame, "range")
    by_column = {issue.column: issue for issue in result.issues}
    expected = {
        "age": frame.filter((pl.col("age") < 0) | (pl.col("age") > 150)).height,
        "customer_age": frame.filter(pl.col("customer_age") > 150).height,
        "completion_percent": frame.filter(pl.col("completion_percent") > 100).height,
        "month": frame.filter((pl.col("month") < 1) | (pl.col("month") > 12)).height,
        "hour": frame.filter(pl.col("hour") > 23).height,
    }
    assert {column: issue.count for column, issue in by_column.items()} == expected
    assert "outside [0, 150]" in by_column["age"].message
    figures = result.statistics["validators"][0]["figures"]  # type: ignore[index,call-overload]
    assert set(figures) == set(expected)  # type: ignore[arg-type]


def test_bare_range_without_well_known_columns_passes(tmp_path: Path) -> None:
    result = run_one(tmp_path, pl.DataFrame({"amount": [1.0, -2.0]}), "range")
    assert result.status is CheckpointStatus.SUCCESS and result.issues == []
