"""`FirstRows` and `AllValues` parts: branches of the one scan, handed back as list / Series."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shared.validation import plan_scan, run_scan
from shared.validation.plan import local_values
from shared.validators import VALIDATORS, AllValues, Evaluation, FirstRows, QueryPart, Validator
from tests.support.checkpoints import counting_source, write_frame

FRAME = pl.DataFrame({"x": [1, 5, None, 7, 2, 9], "y": ["a", "b", "c", "d", "e", "f"]})


class PartsProbe(Validator[Any]):
    """Plans one part of each kind (built directly: unregistered below)."""

    name = "parts_probe"

    def plan(self, schema: pl.Schema) -> dict[str, QueryPart]:
        return {
            "rows": pl.len(),
            "big": FirstRows(pl.col("y"), pl.col("x") > 4, 2),
            "none": FirstRows(pl.col("y"), pl.col("x") > 100, 3),
            "all": AllValues(pl.col("x").drop_nulls()),
            "wide": AllValues(pl.sum_horizontal(pl.all().exclude("y"))),
        }

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        return Evaluation()


VALIDATORS.remove(PartsProbe.name)


def scanned(source: str) -> dict[str, Any]:
    plan = plan_scan(source, [PartsProbe()])
    return local_values(plan.validators[0], run_scan(plan))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_parts_come_back_as_lists_and_series(tmp_path: Path, fmt: str) -> None:
    values = scanned(write_frame(tmp_path, FRAME, fmt))
    assert values["rows"] == 6
    assert values["big"] == ["b", "d"]  # the first two, in order
    assert values["none"] == []
    assert isinstance(values["all"], pl.Series)
    assert values["all"].to_list() == [1, 5, 7, 2, 9]
    assert values["wide"].to_list() == [1, 5, 0, 7, 2, 9]


def test_parts_over_a_python_source_read_it_once_a_pass() -> None:
    with counting_source("partsource", FRAME) as reads:
        values = scanned("partsource://frame")
    assert values["big"] == ["b", "d"]
    assert values["all"].to_list() == [1, 5, 7, 2, 9]
    assert len(reads) == 2  # reductions and whole columns, then the samples
