"""A column's distribution measured in the run's own scan, for ``distribution`` without a
reference: it becomes the baseline the next runs compare with (`shared.validators.history`).

Numbers: ``bin_count`` quantile bins (edges and the exact count in each, computed in the same
query: the quantiles are aggregations the comparisons broadcast). Anything else: the most
frequent values as categories, the rest in ``other``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from pydantic import JsonValue

from shared.validators.reference import MAX_REFERENCE_CATEGORIES, Reference

OTHER = "other"


def profile_exprs(column: str, dtype: pl.DataType, bin_count: int) -> dict[str, pl.Expr]:
    value = pl.col(column)
    exprs: dict[str, pl.Expr] = {"total": value.count()}
    if dtype.is_numeric():
        edges = [value.quantile(k / bin_count, "linear") for k in range(1, bin_count)]
        for k, edge in enumerate(edges, start=1):
            exprs[f"edge/{k}"] = edge
        bounds: list[pl.Expr | None] = [None, *edges, None]
        for k in range(bin_count):
            inside = pl.lit(True)
            low, high = bounds[k], bounds[k + 1]
            if low is not None:
                inside = inside & (value >= low)
            if high is not None:
                inside = inside & (value < high)
            exprs[f"bucket/{k}"] = inside.fill_null(False).sum()
        return exprs
    text = value.drop_nulls().cast(pl.String)
    exprs["top"] = (
        text.value_counts(sort=True, name="count").head(MAX_REFERENCE_CATEGORIES).implode()
    )
    return exprs


def profile_figures(values: Mapping[str, Any], bin_count: int) -> dict[str, JsonValue]:
    """The measured distribution as the figures a later run rebuilds its reference from:
    ``buckets``, ``observed`` shares and, for numbers, the inner ``edges``."""
    total = int(values.get("total") or 0)
    if "top" in values:
        rows = values["top"] or []
        labels = [str(next(iter(row.values()))) for row in rows]
        counts = [int(row["count"]) for row in rows]
        shares = [count / total for count in counts] if total else []
        rest = max(0.0, 1.0 - sum(shares)) if total else 0.0
        return {"buckets": [*labels, OTHER], "observed": [*shares, rest], "total": total}
    edges: list[float] = []
    counts = [int(values.get("bucket/0") or 0)]
    for k in range(1, bin_count):
        edge, count = values.get(f"edge/{k}"), int(values.get(f"bucket/{k}") or 0)
        if edge is None:
            continue
        if edges and float(edge) <= edges[-1]:  # tied quantiles: one bucket, not empty ones
            counts[-1] += count
            continue
        edges.append(float(edge))
        counts.append(count)
    shares = [count / total for count in counts] if total else [0.0 for _ in counts]
    buckets = list[JsonValue](Reference([], shares, edges).bucket_labels())
    return {
        "buckets": buckets,
        "observed": list[JsonValue](shares),
        "edges": list[JsonValue](edges),
        "total": total,
    }
