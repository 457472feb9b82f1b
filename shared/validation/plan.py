"""The scan plan: every validator's aggregations gathered into ONE lazy query over the source.

Each validator's local keys are aliased to unique column names (``v<index>_<n>``) so that
validators never clash; the row count is always computed. Collecting the query reads the data
once, however many validators there are: with the streaming engine, so a file larger than
memory fits, except for a small local file, which polars' in-memory engine reads in half the
time (the streaming engine's set-up dominates below a megabyte).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from shared.errors import SpecError
from shared.problems import join_path
from shared.sources import open_source
from shared.validators import Validator

Engine = Literal["streaming", "in-memory"]
#: The polars engine of the validation query: streaming, so a file larger than memory fits.
ENGINE: Literal["streaming"] = "streaming"
#: Local files up to this size are validated with the in-memory engine instead.
IN_MEMORY_MAX_BYTES = 1 << 20
_FILE_SCHEME = "file://"
#: The output column of the row count.
ROW_COUNT_COLUMN = "__row_count"


@dataclass
class PlannedValidator:
    """One validator in the plan and the query columns of its local keys."""

    index: int
    validator: Validator[Any]
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass
class ScanPlan:
    """The one query of a run, and how to hand its output back to each validator."""

    schema: pl.Schema
    query: pl.LazyFrame
    validators: list[PlannedValidator]
    engine: Engine = ENGINE


def scan_engine(source: str) -> Engine:
    """The engine for `source`: in-memory for one small local file, streaming otherwise."""
    path = source[len(_FILE_SCHEME) :] if source.startswith(_FILE_SCHEME) else source
    if "://" in path or glob.has_magic(path):
        return ENGINE
    try:
        size = os.stat(path).st_size
    except OSError:
        return ENGINE
    return "in-memory" if size <= IN_MEMORY_MAX_BYTES else ENGINE


def plan_scan(source: str, validators: Sequence[Validator[Any]]) -> ScanPlan:
    """Open `source` lazily, read its schema, and let every validator add its expressions.

    `SpecError` when a validator's config does not fit the data (an unknown column, say),
    located at ``validators[i]...`` and naming the validator.
    """
    frame = open_source(source)
    schema = frame.collect_schema()
    exprs = [pl.len().alias(ROW_COUNT_COLUMN)]
    planned = []
    for index, validator in enumerate(validators):
        try:
            local = validator.plan(schema)
        except SpecError as exc:
            message = str(exc)
            if exc.path and message.startswith(f"{exc.path}: "):
                message = message[len(exc.path) + 2 :]
            path = join_path(f"validators[{index}]", exc.path or "")
            raise SpecError(f"validator {validator.name!r}: {message}", path=path) from exc
        part = PlannedValidator(index, validator)
        for number, (key, expr) in enumerate(local.items()):
            alias = f"v{index}_{number}"
            part.aliases[key] = alias
            exprs.append(expr.alias(alias))
        planned.append(part)
    return ScanPlan(
        schema=schema, query=frame.select(exprs), validators=planned, engine=scan_engine(source)
    )


def run_scan(plan: ScanPlan) -> dict[str, Any]:
    """Collect the plan's query: the one read of the data. Its single row, by column name."""
    frame = plan.query.collect(engine=plan.engine)
    row: dict[str, Any] = frame.row(0, named=True)
    return row


def local_values(part: PlannedValidator, row: Mapping[str, Any]) -> dict[str, Any]:
    """The values of one validator's expressions, by its own keys."""
    return {key: row[alias] for key, alias in part.aliases.items()}
