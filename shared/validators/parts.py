"""Query parts that are not one-value reductions: a few matching rows, or a whole column.

Most of a validator's plan is reductions (`pl.Expr` reducing the data to one value), which
the streaming engine evaluates chunk by chunk. Polars 2.1 cannot stream an expression like
``col.filter(mask).head(5).implode()`` next to reductions in one select: it then holds every
column of that select in memory. So such parts are evaluated in their own branch of the same
scan (polars shares the scan between the queries of one collect); `FirstRows` come in a
second pass, only when their check failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class FirstRows:
    """The first `count` values of `value` on rows where `mask` holds, as a list. Streams,
    and stops reading its branch once `count` rows matched."""

    value: pl.Expr
    mask: pl.Expr
    count: int
    #: The local key of a reduction of the same validator: the rows are only worth reading
    #: when its value is true or above zero (e.g. the count of failing rows). None: always.
    when: str | None = None


@dataclass(frozen=True)
class AllValues:
    """Every value of `value` (one value per row, e.g. ``pl.col("id").drop_nulls()``), handed
    to `evaluate` as a `pl.Series`. Costs the column's size in memory: for checks that need
    all values at once, like duplicates."""

    value: pl.Expr


@dataclass(frozen=True)
class Subquery:
    """A one-row query built over the (filtered) source by `build`, e.g. an anti-join with
    another source; handed to `evaluate` as a map of that row. Collected with the first pass,
    so it shares the source's scan."""

    build: Callable[[pl.LazyFrame], pl.LazyFrame]


#: What a validator's `plan` may map a key to.
QueryPart = pl.Expr | FirstRows | AllValues | Subquery
