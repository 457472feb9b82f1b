"""The data is read once per run, whatever the number of validators; samples of failing
rows come in a second read, only when a check failed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus
from shared.sources import files
from shared.validation import plan_scan
from shared.validators.entries import build_validator
from tests.support.checkpoints import counting_source, write_frame

FRAME = pl.DataFrame(
    {
        "id": [1, 2, 3, 3],
        "amount": [1.0, None, 5.0, 500.0],
        "category": ["a", "b", "c", "x"],
        "email": ["a@b.io", "bad", "c@d.io", "e@f.io"],
    }
)
VALIDATORS = [
    "null",
    {"type": "range", "config": {"columns": ["amount"], "min": 0, "max": 100}},
    {"type": "unique", "config": {"columns": ["id"]}},
    {"type": "regex", "config": {"columns": ["email"], "pattern": r"[^@]+@[^@]+"}},
    {"type": "in_set", "config": {"columns": ["category"], "values": ["a", "b", "c"]}},
    {"type": "schema", "config": {"columns": {"id": "Int64"}}},
    {"type": "row_count", "config": {"min": 1}},
    {"type": "completeness", "config": {"min_ratio": 0.5}},
    {"type": "distribution", "config": {"column": "category", "categories": {"a": 1.0}}},
]


def test_many_validators_read_the_source_once_and_failed_ones_once_more() -> None:
    with counting_source("counting", FRAME) as reads:
        checkpoint = Checkpoint("once", "counting://frame", validators=VALIDATORS)
        result = checkpoint.run(run_id="r")
    assert result.status is CheckpointStatus.FAILURE, result.summary()
    assert {issue.validator for issue in result.issues} >= {"range", "unique", "regex", "in_set"}
    assert len(reads) == 2  # the checks, then the samples of the failed ones
    by_validator = {issue.validator: issue.sample for issue in result.issues}
    assert by_validator["range"] == [500.0] and by_validator["regex"] == ["bad"]
    assert by_validator["in_set"] == ["x"] and by_validator["unique"] == [3]


def test_clean_data_is_read_once() -> None:
    clean = FRAME.filter(pl.col("email") != "bad", pl.col("amount") < 100)
    with counting_source("clean", clean) as reads:
        checkpoint = Checkpoint("once", "clean://frame", validators=VALIDATORS[2:5])
        result = checkpoint.run(run_id="r")
    assert result.status is CheckpointStatus.SUCCESS, result.summary()
    assert len(reads) == 1


@pytest.mark.parametrize("kept", [True, False], ids=["small file kept read", "file scanned"])
def test_each_pass_scans_the_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    if not kept:  # as a file above the size kept in memory is
        monkeypatch.setattr(files, "SMALL_FILE_BYTES", 0)
    source = write_frame(tmp_path, FRAME, "csv")
    validators = [build_validator(entry, {}, path="v") for entry in VALIDATORS]
    plan = plan_scan(source, validators)
    # A small file: the in-memory engine, every part in the one select of the first pass.
    assert plan.engine == "in-memory" and plan.samples == [] and plan.columns == {}
    first = pl.explain_all([*plan.rows, *plan.columns.values()])
    assert first.count("SCAN") == (0 if kept else 1), first
    assert all(len(frame) == 1 for frame in pl.collect_all(plan.rows))
