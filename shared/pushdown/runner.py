"""`pushed_down_row`: a run's scan plan computed by the database instead of by polars.

For a SQL source, when every part of the plan compiles (`shared.pushdown.compiler`), the run
sends, on one connection, the reductions as ONE ``SELECT`` of aggregates, each `FirstRows`
sample as a ``SELECT ... WHERE mask LIMIT n``, and each duplicate count (`AllValues` of a
validator that accepts `DuplicateFigures`) as one ``GROUP BY ... HAVING COUNT(*) > 1`` whose
window sum counts the duplicated rows: the table is never copied out.
The row it returns has the same keys and values as `shared.validation.plan.run_scan`'s (a
test checks them against polars on the same data). Samples come in the database's order,
which need not be the table's insertion order.

When a part does not compile, or the database refuses a pushed query (a type it cannot
aggregate), the caller runs the plan as usual: push-down only ever makes a run faster.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from shared.errors import NotPushableError, SourceError
from shared.pushdown.compiler import (
    compile_reduction,
    compile_row,
    expression_tree,
)
from shared.sources import DataSource
from shared.sources.sql import SQL_SCHEMES, SqlTarget, fetch_rows, quote_identifier, sql_target
from shared.validators import AllValues, FirstRows
from shared.validators.duplicates import DuplicateFigures

if TYPE_CHECKING:  # shared.validation's engine imports this module
    from shared.validation.plan import ScanPlan

logger = logging.getLogger(__name__)

#: Duplicated values fetched for a sample (validators keep at most their sample size).
SAMPLE_LIMIT = 100


@dataclass(frozen=True)
class _Sample:
    """A `FirstRows` part: the first matching values."""

    alias: str
    sql: str


@dataclass(frozen=True)
class _Duplicates:
    """An `AllValues` part counted by the database: one ``GROUP BY`` gives a few duplicated
    keys and, in a window over all groups, how many rows they cover."""

    alias: str
    sql: str
    columns: list[str]
    combined: bool

    @property
    def checked_alias(self) -> str:
        """The reduction that counts the rows judged (in the one aggregate ``SELECT``)."""
        return f"{self.alias}__checked"


def pushed_down_row(source: DataSource, plan: ScanPlan) -> dict[str, Any] | None:
    """The plan's output row computed in the database; None when it cannot be pushed down."""
    if source.key not in SQL_SCHEMES or not source.pushdown:
        return None
    target = sql_target(source)
    try:
        reductions, others = _compile(plan, target)
    except NotPushableError as exc:
        logger.debug("not pushed down: %s", exc)
        return None
    try:
        return _run(source, target, reductions, others)
    except SourceError as exc:
        # The database refused a pushed query (or is unreachable): the usual scan reports
        # a real problem the usual way.
        logger.debug("push-down query failed, scanning instead: %s", exc.problem)
        return None


def _compile(
    plan: ScanPlan, target: SqlTarget
) -> tuple[list[tuple[str, str]], list[_Sample | _Duplicates]]:
    accepts = _duplicate_aliases(plan)
    reductions: list[tuple[str, str]] = []
    others: list[_Sample | _Duplicates] = []
    for alias, part in plan.parts.items():
        if isinstance(part, pl.Expr):
            reductions.append((alias, _checked(compile_reduction(part), part, plan.schema)))
        elif isinstance(part, FirstRows):
            value, mask = compile_row(part.value), compile_row(part.mask)
            sql = f"SELECT {value} FROM {target.relation} WHERE {mask} LIMIT {int(part.count)}"
            others.append(_Sample(alias, sql))
        elif isinstance(part, AllValues) and alias in accepts:
            duplicates = _duplicate_query(alias, part, target)
            others.append(duplicates)
            keys = ", ".join(quote_identifier(column) for column in duplicates.columns)
            checked = "COUNT(*)" if duplicates.combined else f"COUNT({keys})"
            reductions.append((duplicates.checked_alias, checked))
        else:
            raise NotPushableError(f"{alias}: whole columns and subqueries are not pushed down")
    return reductions, others


def _checked(sql: str, expr: pl.Expr, schema: pl.Schema) -> str:
    """`sql`, unless `expr` takes a min/max or orders text (collations differ from polars')."""
    text = str(expression_tree(expr))
    for name in expr.meta.root_names():
        dtype = schema.get(name)
        if dtype is None or dtype.is_numeric() or dtype.is_temporal():
            continue
        if any(word in text for word in ("'Min'", "'Max'", "'Lt'", "'Gt'", "'LtEq'", "'GtEq'")):
            raise NotPushableError(f"ordering of {dtype} column {name!r} is not pushed down")
    return sql


def _duplicate_aliases(plan: ScanPlan) -> set[str]:
    return {
        alias
        for planned in plan.validators
        if getattr(planned.validator, "accepts_duplicate_figures", False)
        for alias in planned.aliases.values()
    }


def _duplicate_query(alias: str, part: AllValues, target: SqlTarget) -> _Duplicates:
    kind, body = next(iter(expression_tree(part.value).items()))
    function = body.get("function") if kind == "Function" else None
    columns = [item.get("Column") for item in body.get("input", [])] if function else []
    if function not in ("DropNulls", "AsStruct") or not all(columns):
        raise NotPushableError(f"{alias}: values of this shape are not pushed down")
    keys = ", ".join(quote_identifier(str(column)) for column in columns)
    # One column ignores its nulls; a combined key (a struct) counts null as a value, and so
    # does GROUP BY.
    where = f" WHERE {keys} IS NOT NULL" if function == "DropNulls" else ""
    groups = (
        f"SELECT {keys}, COUNT(*) AS checkfleet_n FROM {target.relation}{where}"
        f" GROUP BY {keys} HAVING COUNT(*) > 1"
    )
    return _Duplicates(
        alias,
        sql=f"SELECT *, SUM(checkfleet_n) OVER () FROM ({groups}) AS d LIMIT {SAMPLE_LIMIT}",
        columns=[str(column) for column in columns],
        combined=function == "AsStruct",
    )


def _run(
    source: DataSource,
    target: SqlTarget,
    reductions: list[tuple[str, str]],
    others: list[_Sample | _Duplicates],
) -> dict[str, Any]:
    listing = ", ".join(f"{sql} AS {quote_identifier(alias)}" for alias, sql in reductions)
    main = f"SELECT {listing} FROM {target.relation}"
    [values], *answers = fetch_rows(source, main, *(part.sql for part in others))
    row: dict[str, Any] = dict(zip([alias for alias, _ in reductions], values, strict=True))
    for part, found_rows in zip(others, answers, strict=True):
        if isinstance(part, _Sample):
            row[part.alias] = [found[0] for found in found_rows]
            continue
        width = len(part.columns)
        sample = [
            dict(zip(part.columns, found[:width], strict=True)) if part.combined else found[0]
            for found in found_rows
        ]
        duplicated = int(found_rows[0][-1]) if found_rows else 0
        checked = int(row.pop(part.checked_alias))
        row[part.alias] = DuplicateFigures(duplicated, checked, sample)
    return row
