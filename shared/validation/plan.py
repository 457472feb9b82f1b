"""The scan plan: every validator's expressions gathered into the queries of one read.

Each validator's local keys are aliased to unique column names (``v<index>_<n>``) so that
validators never clash; the row count is always computed. The first pass computes what every
check needs: one select of reductions (null counts, failing counts, bounds...), the whole
columns of `AllValues` parts (duplicates are counted by sorting them) and the one-row frames of
`Subquery` parts, collected together with `pl.collect_all`, whose common-subplan elimination
makes them share one scan of the source; with the streaming engine, so a file larger than
memory fits. Validators with a ``where`` filter get their own select over the filtered rows,
in the same collect. Samples of failing rows (`FirstRows`) come in a second, targeted pass,
only for the checks whose first-pass count says some rows failed: clean data costs one read,
what a plain polars query over the same columns costs.

A small local file (up to a megabyte) is read with polars' in-memory engine in one select
holding every part (the streaming engine's set-up dominates there, and a second pass would
cost more than the samples).
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from shared.errors import SpecError
from shared.problems import ConfigProblem, join_path, problems_of, raise_problems
from shared.sources import DataSource, read_source, resolve_source
from shared.validators import AllValues, FirstRows, QueryPart, Subquery, Validator

Engine = Literal["streaming", "in-memory"]
#: The polars engine of the validation query: streaming, so a file larger than memory fits.
ENGINE: Literal["streaming"] = "streaming"
#: Local files up to this size are validated with the in-memory engine instead.
IN_MEMORY_MAX_BYTES = 1 << 20
#: The output column of the row count.
ROW_COUNT_COLUMN = "__row_count"
#: A scan node in `explain` output (``Csv SCAN [path]``, ``PYTHON SCAN []``...).
_SCAN_LINE = re.compile(r"^\s*\w+ SCAN \[", re.MULTILINE)


@dataclass
class PlannedValidator:
    """One validator in the plan and the query columns of its local keys."""

    index: int
    validator: Validator[Any]
    aliases: dict[str, str] = field(default_factory=dict)
    #: The output column counting the rows it judged (its ``where`` filter applied).
    rows_alias: str = ROW_COUNT_COLUMN


@dataclass(frozen=True)
class _Sample:
    """A `FirstRows` part of the second pass: worth reading when `when` (an output column of
    the first) is true or above zero, or always when None."""

    alias: str
    part: FirstRows
    #: The validator's ``where`` filter, if any.
    where: pl.Expr | None
    when: str | None

    def query(self, source: pl.LazyFrame) -> pl.LazyFrame:
        frame = source if self.where is None else source.filter(self.where)
        rows = frame.filter(self.part.mask).select(self.part.value.alias(self.alias))
        return rows.head(self.part.count).select(pl.col(self.alias).implode())


@dataclass
class ScanPlan:
    """The queries of a run, and how to hand their output back to each validator."""

    schema: pl.Schema
    #: The first pass: one-row frames (reductions, subqueries) and whole columns, by alias.
    rows: list[pl.LazyFrame]
    columns: dict[str, pl.LazyFrame]
    subqueries: dict[str, pl.LazyFrame]
    samples: list[_Sample]
    validators: list[PlannedValidator]
    #: What the second pass reads: the source, or its projection of the needed columns.
    source: pl.LazyFrame
    #: Whether the second pass reads `source` into memory first: a Python source that polars
    #: would read once per sample otherwise.
    materialize_samples: bool = False
    engine: Engine = ENGINE
    #: Whole columns imploded into a reductions frame (in-memory engine), handed over as
    #: `pl.Series`, not Python lists.
    series_columns: frozenset[str] = frozenset()
    #: Every part by its output column, the row count included: what `shared.pushdown`
    #: compiles to SQL instead of running the queries (a ``where`` filter or a `Subquery`
    #: makes the plan one it does not push down).
    parts: dict[str, QueryPart] = field(default_factory=dict)

    @property
    def job(self) -> ScanJob:
        """The collecting part of the plan (`collect_row`), picklable for file sources."""
        return ScanJob(
            self.rows,
            self.columns,
            self.subqueries,
            self.samples,
            self.source,
            self.materialize_samples,
            self.series_columns,
            self.engine,
        )


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


def plan_scan(
    source: DataSource | str,
    validators: Sequence[Validator[Any]],
    *,
    frame: pl.LazyFrame | None = None,
) -> ScanPlan:
    """Open `source` lazily (unless its `frame` is given, read already), read its schema, and
    let every validator add its expressions.

    `SpecError` when validators' configs do not fit the data (unknown columns, say), listing
    every one, each located at ``validators[i]...`` and naming its validator.
    """
    if isinstance(source, str):
        source = resolve_source(source)
    if frame is None:
        frame = read_source(source)
    schema = frame.collect_schema()
    engine = scan_engine(source)
    inline = engine == "in-memory"
    planned: list[PlannedValidator] = []
    problems: list[ConfigProblem] = []
    #: Per filter (None: every row), the frame it selects from and its output expressions.
    groups: dict[str | None, list[pl.Expr]] = {None: [pl.len().alias(ROW_COUNT_COLUMN)]}
    filters: dict[str | None, pl.Expr | None] = {None: None}
    columns: dict[str, tuple[str | None, AllValues]] = {}
    subqueries: dict[str, tuple[str | None, Subquery]] = {}
    samples: list[tuple[str, str | None, FirstRows, str | None]] = []
    series_columns: set[str] = set()
    by_alias: dict[str, QueryPart] = {ROW_COUNT_COLUMN: pl.len()}
    for index, validator in enumerate(validators):
        try:
            where = validator.where_filter(schema)
            local = validator.plan(schema)
        except SpecError as exc:  # every validator's problems are reported, not the first
            for problem in problems_of(exc):
                path = join_path(f"validators[{index}]", problem.path)
                problems.append(
                    ConfigProblem(path, f"validator {validator.name!r}: {problem.message}")
                )
            continue
        part = PlannedValidator(index, validator)
        group: str | None = None
        if where is not None:
            group = f"w{index}"
            part.rows_alias = f"{group}_rows"
            filters[group] = where
            groups[group] = [pl.len().alias(part.rows_alias)]
            # Not a part SQL push-down knows: it scans instead of ignoring the filter.
            by_alias[part.rows_alias] = Subquery(_filtered_by(where))
        for number, key in enumerate(local):
            part.aliases[key] = f"v{index}_{number}"
        for key, query_part in local.items():
            alias = part.aliases[key]
            by_alias[alias] = query_part
            if isinstance(query_part, pl.Expr):
                groups[group].append(query_part.alias(alias))
            elif isinstance(query_part, AllValues):
                if inline:
                    groups[group].append(query_part.value.implode().alias(alias))
                    series_columns.add(alias)
                else:
                    columns[alias] = (group, query_part)
            elif isinstance(query_part, Subquery):
                subqueries[alias] = (group, query_part)
            elif inline:
                rows = query_part.value.filter(query_part.mask).head(query_part.count)
                groups[group].append(rows.implode().alias(alias))
            else:
                when = part.aliases[query_part.when] if query_part.when is not None else None
                samples.append((alias, group, query_part, when))
        planned.append(part)
    raise_problems(problems)

    def built(source_frame: pl.LazyFrame) -> ScanPlan:
        def source_of(group: str | None) -> pl.LazyFrame:
            where = filters[group]
            return source_frame if where is None else source_frame.filter(where)

        return ScanPlan(
            schema=schema,
            rows=[source_of(group).select(exprs) for group, exprs in groups.items()],
            columns={
                alias: source_of(group).select(part.value.alias(alias))
                for alias, (group, part) in columns.items()
            },
            subqueries={
                alias: part.build(source_of(group)) for alias, (group, part) in subqueries.items()
            },
            samples=[
                _Sample(alias, part, filters[group], when) for alias, group, part, when in samples
            ],
            validators=planned,
            source=source_frame,
            engine=engine,
            series_columns=frozenset(series_columns),
            parts=by_alias,
        )

    plan = built(frame)
    own = [*plan.rows, *plan.columns.values()]  # subqueries read other sources too
    second = [_samples_query(plan.samples, frame)] if plan.samples else []
    if _reads_source_twice(own) or _reads_source_twice(second):
        # Polars shares a file scan between the queries of a collect by itself (and streams
        # it), but not a Python (plugin) source: then an explicit cache, which buffers more.
        # Project first: projections stop at a cache.
        used = [expr for exprs in groups.values() for expr in exprs]
        used += [part.value for _, part in columns.values()]
        used += [expr for _, _, part, _ in samples for expr in (part.value, part.mask)]
        used += [where for where in filters.values() if where is not None]
        plan = built(frame.select(_read_columns(schema, used)).cache())
        plan.materialize_samples = True
    return plan


def _reads_source_twice(queries: Sequence[pl.LazyFrame]) -> bool:
    """Whether collecting `queries` together scans a source more than once. One query reads
    its source once, so only several need the (costly) look at their plan."""
    return len(queries) > 1 and len(_SCAN_LINE.findall(pl.explain_all(list(queries)))) > 1


def _filtered_by(where: pl.Expr) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame.filter(where)

    return build


def _samples_query(samples: Sequence[_Sample], source: pl.LazyFrame) -> pl.LazyFrame:
    """The second pass: one query of small one-row branches over `source`."""
    return pl.concat([sample.query(source) for sample in samples], how="horizontal")


def _read_columns(schema: pl.Schema, exprs: list[pl.Expr]) -> list[str]:
    """The source columns `exprs` read, in the source's order (all of them when one uses a
    selector such as ``pl.all()``, whose columns `root_names` does not list)."""
    if any(expr.meta.has_multiple_outputs() for expr in exprs):
        return schema.names()
    names = {name for expr in exprs for name in expr.meta.root_names()}
    return [name for name in schema.names() if name in names]


def run_scan(plan: ScanPlan) -> dict[str, Any]:
    """Collect the plan: the first pass (one read of the data), then, when a check failed and
    wants its sample, the second. The outputs by column name; `AllValues` columns as
    `pl.Series` (a Python list of millions of values would not fit), `Subquery` outputs as
    a map of their one row, samples as lists (None when not read: nothing failed)."""
    return collect_row(plan.job)


@dataclass(frozen=True)
class ScanJob:
    """What `collect_row` needs of a plan: plain data and lazy frames, so a plan over a file
    can be pickled to a scan process (`shared.validation.scan_process`)."""

    rows: list[pl.LazyFrame]
    columns: dict[str, pl.LazyFrame]
    subqueries: dict[str, pl.LazyFrame]
    samples: list[_Sample]
    source: pl.LazyFrame
    materialize_samples: bool
    series_columns: frozenset[str]
    engine: Engine


def collect_row(plan: ScanJob) -> dict[str, Any]:
    """`run_scan`'s work, from the parts of a plan that can travel to a scan process."""
    first = [*plan.rows, *plan.columns.values(), *plan.subqueries.values()]
    frames = pl.collect_all(first, engine=plan.engine)
    row: dict[str, Any] = {}
    for frame in frames[: len(plan.rows)]:
        # Column by column: a row of the whole frame would turn the imploded series columns
        # into Python lists (and `drop` first costs a query of its own).
        for name in frame.columns:
            value = frame.get_column(name)[0]
            if isinstance(value, pl.Series) and name not in plan.series_columns:
                value = value.to_list()  # a sample: a few rows
            row[name] = value
    gathered = frames[len(plan.rows) : len(plan.rows) + len(plan.columns)]
    for alias, frame in zip(plan.columns, gathered, strict=True):
        row[alias] = frame.get_column(alias)
    for alias, frame in zip(
        plan.subqueries, frames[len(plan.rows) + len(plan.columns) :], strict=True
    ):
        row[alias] = frame.row(0, named=True) if frame.height else {}
    needed = [sample for sample in plan.samples if sample.when is None or row[sample.when]]
    for sample in plan.samples:
        row[sample.alias] = None
    if needed:
        source = plan.source
        if plan.materialize_samples:  # polars would read a Python source once per branch
            source = source.collect(engine=plan.engine).lazy()
        found = _samples_query(needed, source).collect(engine=plan.engine)
        for sample in needed:
            row[sample.alias] = found.get_column(sample.alias)[0].to_list()
    return row


def local_values(part: PlannedValidator, row: Mapping[str, Any]) -> dict[str, Any]:
    """The values of one validator's expressions, by its own keys."""
    return {key: row[alias] for key, alias in part.aliases.items()}
