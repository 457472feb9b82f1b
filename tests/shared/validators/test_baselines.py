"""Learned baselines on synthetic series: each run validated against the runs before it
(`PastRuns`, as the executor loads them from the store), through the real engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from shared.checkpoint import Checkpoint
from shared.models import CheckpointResult, CheckpointStatus
from shared.validation import validate_checkpoint
from shared.validators.history import FIRST_BASELINE, NO_HISTORY, PastRuns
from tests.support.checkpoints import write_frame

Validator = str | Mapping[str, Any]


def run_series(
    tmp_path: Path, frames: Sequence[pl.DataFrame], validator: Validator
) -> list[CheckpointResult]:
    """Each frame validated in turn, with every earlier result as its history."""
    results: list[CheckpointResult] = []
    for index, frame in enumerate(frames):
        source = write_frame(tmp_path, frame, "parquet")  # the same source every run
        checkpoint = Checkpoint("orders", source, validators=[validator])
        history = PastRuns(list(reversed(results)))
        results.append(validate_checkpoint(checkpoint, run_id=f"run-{index}", history=history))
    return results


def figures(result: CheckpointResult) -> dict[str, Any]:
    return result.statistics["validators"][0]["figures"]  # type: ignore[index,call-overload,no-any-return]


def issue_types(result: CheckpointResult) -> list[tuple[str | None, str]]:
    return sorted((issue.column, issue.issue_type) for issue in result.issues)


def frame_of(rows: int, *, nulls: int = 0, shift: bool = False) -> pl.DataFrame:
    categories = ["c" if shift and i % 10 < 7 else "a" if i % 2 else "b" for i in range(rows)]
    return pl.DataFrame(
        {
            "id": list(range(rows)),
            "email": [None if i < nulls else f"u{i}@x.io" for i in range(rows)],
            "category": categories,
            "amount": [float(i % 100) + (60.0 if shift else 0.0) for i in range(rows)],
        }
    )


def test_schema_flags_added_removed_and_retyped_columns(tmp_path: Path) -> None:
    base = frame_of(10)
    changed = base.drop("email").with_columns(
        pl.col("id").cast(pl.Float64), pl.lit(1).alias("added")
    )
    first, same, different = run_series(tmp_path, [base, base, changed], "schema")
    assert first.issues == [] and figures(first)["baseline"] == FIRST_BASELINE
    assert same.issues == [] and figures(same)["baseline_run"] == "run-0"
    assert issue_types(different) == [
        ("added", "unexpected_column"),
        ("email", "missing_column"),
        ("id", "wrong_type"),
    ]
    messages = {issue.column: issue.message for issue in different.issues}
    assert messages["id"] == "column 'id' changed type from Int64 to Float64 since run run-1"


def test_row_count_learns_then_flags_a_drop_beyond_three_stdevs(tmp_path: Path) -> None:
    counts = [1000, 1010, 990, 1005, 1002, 500]
    results = run_series(tmp_path, [frame_of(n) for n in counts], "row_count")
    assert figures(results[0])["baseline"] == FIRST_BASELINE
    assert figures(results[1])["baseline"].startswith("learning: 1 of 3 runs")
    assert [issue_types(r) for r in results[:5]] == [[]] * 5
    assert issue_types(results[5]) == [(None, "too_few_rows")]
    (issue,) = results[5].issues
    assert "500 rows, fewer than expected: beyond 3 standard deviations of the last 5 runs" in (
        issue.message
    )
    assert figures(results[5])["baseline_runs"] == 5


def test_row_count_by_percent_of_the_mean(tmp_path: Path) -> None:
    validator = {"type": "row_count", "config": {"max_change": 0.1, "baseline_runs": 2}}
    counts = [1000, 1000, 1090, 1250]
    results = run_series(tmp_path, [frame_of(n) for n in counts], validator)
    assert [issue_types(r) for r in results] == [[], [], [], [(None, "too_many_rows")]]
    assert "beyond 10% of the mean of the last 2 runs (1,045)" in results[3].issues[0].message


def test_null_ratio_drift_against_the_last_good_run(tmp_path: Path) -> None:
    validator = {"type": "null", "config": {"baseline": True, "columns": ["email"]}}
    frames = [frame_of(100, nulls=1), frame_of(100, nulls=4), frame_of(100, nulls=30)]
    first, slight, jump = run_series(tmp_path, frames, validator)
    assert first.issues == [] and figures(first)["baseline"] == FIRST_BASELINE
    assert slight.issues == [], "a 3-point rise is within max_increase"
    (issue,) = jump.issues
    assert issue.issue_type == "null_ratio_increase"
    assert issue.message == "column 'email' has 30.00% nulls, up from 4.00% at run run-1"


def test_a_failing_run_is_not_a_baseline(tmp_path: Path) -> None:
    config = {"baseline": True, "columns": ["email"], "severity": "critical"}
    validator = {"type": "null", "config": config}
    frames = [frame_of(100), frame_of(100, nulls=30), frame_of(100, nulls=31)]
    _, jump, still = run_series(tmp_path, frames, validator)
    assert jump.status is CheckpointStatus.FAILURE
    assert still.issues and "up from 0.00% at run run-0" in still.issues[0].message


def test_distribution_drift_against_the_last_good_run(tmp_path: Path) -> None:
    frames = [frame_of(1000), frame_of(1000), frame_of(1000, shift=True)]
    first, same, shifted = run_series(tmp_path, frames, "distribution")
    assert first.issues == []
    assert figures(first)["category"]["baseline"] == FIRST_BASELINE
    assert figures(first)["amount"]["baseline"] == FIRST_BASELINE
    assert same.issues == [] and figures(same)["amount"]["divergence"] < 0.01
    assert issue_types(shifted) == [
        ("amount", "distribution_drift"),
        ("category", "distribution_drift"),
    ]


def test_without_history_the_figures_say_none_is_kept(tmp_path: Path) -> None:
    source = write_frame(tmp_path, frame_of(10), "parquet")
    checkpoint = Checkpoint("orders", source, validators=["row_count", "schema"])
    result = validate_checkpoint(checkpoint, run_id="r")
    assert result.issues == []
    assert [entry["figures"]["baseline"] for entry in result.statistics["validators"]] == [  # type: ignore[union-attr,index,call-overload]
        NO_HISTORY,
        NO_HISTORY,
    ]
