"""The scan plan: every validator's aggregations gathered into ONE lazy query over the source.

Each validator's local keys are aliased to unique column names (``v<index>_<n>``) so that
validators never clash; the row count is always computed. Reductions share one select;
`FirstRows` and `AllValues` parts each get a one-row branch over the same scan, joined
horizontally (polars' common-subplan elimination makes them share the one scan; a reduction
select holding such a part would make polars keep every column it reads in memory).
Collecting the query reads the data once, however many validators there are: with the
streaming engine, so a file larger than memory fits, except for a small local file, which
polars' in-memory engine reads in half the time (the streaming engine's set-up dominates below
a megabyte).
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from shared.errors import SpecError
from shared.problems import join_path
from shared.sources import DataSource, read_source, resolve_source
from shared.validators import AllValues, FirstRows, QueryPart, Validator

Engine = Literal["streaming", "in-memory"]
#: The polars engine of the validation query: streaming, so a file larger than memory fits.
ENGINE: Literal["streaming"] = "streaming"
#: Local files up to this size are validated with the in-memory engine instead.
IN_MEMORY_MAX_BYTES = 1 << 20
#: The output column of the row count.
ROW_COUNT_COLUMN = "__row_count"
#: A scan node in `LazyFrame.explain` output (``Csv SCAN [path]``, ``PYTHON SCAN []``...).
_SCAN_LINE = re.compile(r"^\s*\w+ SCAN \[", re.MULTILINE)


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
    #: Output columns of `AllValues` parts, handed over as `pl.Series`, not Python lists.
    series_columns: frozenset[str] = frozenset()
    engine: Engine = ENGINE
    #: Every part of the query by its output column, the row count included: what
    #: `shared.pushdown` compiles to SQL instead of running `query`.
    parts: dict[str, QueryPart] = field(default_factory=dict)


def scan_engine(source: DataSource | str) -> Engine:
    """The engine for `source`: in-memory for one small local file or a frame already in
    memory, streaming otherwise."""
    if isinstance(source, str):
        source = resolve_source(source)
    if source.frame is not None:
        return "in-memory"
    path = source.local_path
    if path is None or glob.has_magic(path):
        return ENGINE
    try:
        size = os.stat(path).st_size
    except OSError:
        return ENGINE
    return "in-memory" if size <= IN_MEMORY_MAX_BYTES else ENGINE


def plan_scan(source: DataSource | str, validators: Sequence[Validator[Any]]) -> ScanPlan:
    """Open `source` lazily, read its schema, and let every validator add its expressions.

    `SpecError` when a validator's config does not fit the data (an unknown column, say),
    located at ``validators[i]...`` and naming the validator.
    """
    if isinstance(source, str):
        source = resolve_source(source)
    frame = read_source(source)
    schema = frame.collect_schema()
    exprs = [pl.len().alias(ROW_COUNT_COLUMN)]
    parts: list[tuple[str, FirstRows | AllValues]] = []
    series_columns: set[str] = set()
    by_alias: dict[str, QueryPart] = {ROW_COUNT_COLUMN: pl.len()}
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
        for number, (key, query_part) in enumerate(local.items()):
            alias = f"v{index}_{number}"
            part.aliases[key] = alias
            by_alias[alias] = query_part
            if isinstance(query_part, pl.Expr):
                exprs.append(query_part.alias(alias))
            else:
                parts.append((alias, query_part))
                if isinstance(query_part, AllValues):
                    series_columns.add(alias)
        planned.append(part)
    engine = scan_engine(source)
    if engine == "in-memory":
        # A small file is read whole anyway: the parts join the reductions' select, which
        # spares the branches and the check of how polars plans them.
        inline = [_inline(part).alias(alias) for alias, part in parts]
        query = frame.select([*exprs, *inline])
        return ScanPlan(schema, query, planned, frozenset(series_columns), engine, by_alias)
    query = _joined(frame, exprs, parts)
    if parts and len(_SCAN_LINE.findall(query.explain())) > 1:
        # Polars shares a file scan between branches by itself (and streams it), but not a
        # Python (plugin) source: then an explicit cache, which buffers more. Project first:
        # projections stop at a cache.
        columns = _read_columns(schema, [*exprs, *_part_exprs(parts)])
        query = _joined(frame.select(columns).cache(), exprs, parts)
    return ScanPlan(schema, query, planned, frozenset(series_columns), engine, by_alias)


def _inline(part: FirstRows | AllValues) -> pl.Expr:
    """`part` as one expression of a select: what its branch computes."""
    if isinstance(part, FirstRows):
        return part.value.filter(part.mask).head(part.count).implode()
    return part.value.implode()


def _joined(
    frame: pl.LazyFrame, exprs: list[pl.Expr], parts: list[tuple[str, FirstRows | AllValues]]
) -> pl.LazyFrame:
    """The reductions' select and one branch per part, side by side (one row)."""
    if not parts:
        return frame.select(exprs)
    branches = [_branch(frame, part, alias) for alias, part in parts]
    return pl.concat([frame.select(exprs), *branches], how="horizontal")


def _part_exprs(parts: list[tuple[str, FirstRows | AllValues]]) -> list[pl.Expr]:
    exprs = []
    for _, part in parts:
        exprs.append(part.value)
        if isinstance(part, FirstRows):
            exprs.append(part.mask)
    return exprs


def _read_columns(schema: pl.Schema, exprs: list[pl.Expr]) -> list[str]:
    """The source columns `exprs` read, in the source's order (all of them when one uses a
    selector such as ``pl.all()``, whose columns `root_names` does not list)."""
    if any(expr.meta.has_multiple_outputs() for expr in exprs):
        return schema.names()
    names = {name for expr in exprs for name in expr.meta.root_names()}
    return [name for name in schema.names() if name in names]


def _branch(frame: pl.LazyFrame, part: FirstRows | AllValues, alias: str) -> pl.LazyFrame:
    """A one-row, one-column query over `frame` computing `part` as a list."""
    if isinstance(part, FirstRows):
        rows = frame.filter(part.mask).select(part.value.alias(alias)).head(part.count)
        return rows.select(pl.col(alias).implode())
    return frame.select(part.value.alias(alias).implode())


def run_scan(plan: ScanPlan) -> dict[str, Any]:
    """Collect the plan's query: the one read of the data. Its single row, by column name;
    `AllValues` columns as `pl.Series` (a Python list of millions of values would not fit)."""
    return collect_row(plan.query, plan.series_columns, plan.engine)


def collect_row(
    query: pl.LazyFrame, series_columns: frozenset[str], engine: Engine
) -> dict[str, Any]:
    """`run_scan`'s work, from the parts of a plan that can travel to a scan process."""
    frame = query.collect(engine=engine)
    row: dict[str, Any] = frame.drop(series_columns).row(0, named=True)
    for name in series_columns:
        row[name] = frame.get_column(name)[0]
    return row


def local_values(part: PlannedValidator, row: Mapping[str, Any]) -> dict[str, Any]:
    """The values of one validator's expressions, by its own keys."""
    return {key: row[alias] for key, alias in part.aliases.items()}
