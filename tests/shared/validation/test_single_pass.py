"""The data is read once per run, whatever the number of validators."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus
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


def test_many_validators_read_the_source_once() -> None:
    with counting_source("counting", FRAME) as reads:
        checkpoint = Checkpoint("once", "counting://frame", validators=VALIDATORS)
        result = checkpoint.run(run_id="r")
    assert result.status is CheckpointStatus.FAILURE, result.summary()
    assert {issue.validator for issue in result.issues} >= {"range", "unique", "regex", "in_set"}
    assert len(reads) == 1


def test_the_plan_scans_the_file_once(tmp_path: Path) -> None:
    source = write_frame(tmp_path, FRAME, "csv")
    validators = [build_validator(entry, {}, path="v") for entry in VALIDATORS]
    plan = plan_scan(source, validators)
    explained = plan.query.explain()
    assert explained.count("SCAN") == 1, explained
    assert len(plan.query.collect()) == 1
