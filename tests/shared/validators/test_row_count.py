from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity
from tests.support.checkpoints import config_error, run_one

FRAME = pl.DataFrame({"x": list(range(90))})


def test_within_bounds(tmp_path: Path) -> None:
    spec = {"type": "row_count", "config": {"min": 90, "max": 90}}
    result = run_one(tmp_path, FRAME, spec)
    assert result.status is CheckpointStatus.SUCCESS
    assert result.row_count == 90


def test_too_few_and_too_many(tmp_path: Path) -> None:
    (few,) = run_one(tmp_path, FRAME, {"type": "row_count", "config": {"min": 100}}).issues
    assert (few.issue_type, few.count, few.ratio, few.column) == ("too_few_rows", 10, 0.1, None)
    assert few.message == "the data has 90 rows, expected at least 100"
    assert few.severity is Severity.MEDIUM
    (many,) = run_one(tmp_path, FRAME, {"type": "row_count", "config": {"max": 30}}).issues
    assert (many.issue_type, many.ratio, many.severity) == ("too_many_rows", 1.0, Severity.CRITICAL)


def test_mostly_tolerates_a_relative_shortfall(tmp_path: Path) -> None:
    spec = {"type": "row_count", "config": {"min": 100, "mostly": 0.9}}
    assert run_one(tmp_path, FRAME, spec).issues == []
    tighter = {"type": "row_count", "config": {"min": 100, "mostly": 0.95}}
    assert len(run_one(tmp_path, FRAME, tighter).issues) == 1


def test_fixed_severity(tmp_path: Path) -> None:
    spec = {"type": "row_count", "config": {"min": 100, "severity": "critical"}}
    assert run_one(tmp_path, FRAME, spec).status is CheckpointStatus.FAILURE


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"min": 10, "max": 1}, "greater than max"),
        ({"min": -1}, "validators[0].config.min"),
    ],
)
def test_bad_config(tmp_path: Path, config: dict[str, object], expected: str) -> None:
    assert expected in config_error({"type": "row_count", "config": config}, tmp_path, FRAME)
