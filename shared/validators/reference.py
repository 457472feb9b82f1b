"""The reference side of the `distribution` validator: buckets, their shares, and the
expressions that count a column's values into the same buckets."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import polars as pl

from shared.errors import SourceError, SpecError
from shared.sources import open_source

#: The most categories taken from a reference file; rarer ones join the ``other`` bucket.
MAX_REFERENCE_CATEGORIES = 100


@dataclass
class Reference:
    """Category `labels` with their `shares`, or numeric inner `edges` with len(edges)+1 shares."""

    labels: list[str]
    shares: list[float]
    edges: list[float] | None

    def count_keys(self) -> list[str]:
        return [f"bucket/{index}" for index in range(len(self.shares))]

    def bucket_labels(self) -> list[str]:
        if self.edges is None:
            return list(self.labels)
        bounds = ["-inf", *(f"{edge:g}" for edge in self.edges), "+inf"]
        return [f"[{low}, {high})" for low, high in itertools.pairwise(bounds)]

    def count_exprs(self, column: str, dtype: pl.DataType) -> dict[str, pl.Expr]:
        """Per bucket, how many values fall in it; ``total`` counts the non-null values."""
        value = pl.col(column)
        exprs = {"total": value.count()}
        if self.edges is None:
            text = value if dtype == pl.String else value.cast(pl.String)
            for key, label in zip(self.count_keys(), self.labels, strict=True):
                exprs[key] = (text == label).sum()
            return exprs
        if not dtype.is_numeric():
            raise SpecError(
                f"column {column!r} has type {dtype}; numeric bins need a numeric column",
                path="config.column",
            )
        bounds: list[float | None] = [None, *self.edges, None]
        for key, low, high in zip(self.count_keys(), bounds, bounds[1:], strict=False):
            inside = pl.lit(True)
            if low is not None:
                inside = inside & (value >= low)
            if high is not None:
                inside = inside & (value < high)
            exprs[key] = inside.fill_null(False).sum()
        return exprs


def read_reference(location: str, column: str, bin_count: int) -> Reference:
    """The reference distribution of `column` in the data at `location`. The reference is a
    second, usually small, file: reading it is not part of the source's single scan."""
    frame = open_source(location)
    try:
        schema = frame.collect_schema()
        if column not in schema:
            raise SpecError(
                f"reference {location!r} has no column {column!r}", path="config.reference"
            )
        dtype = schema[column]
        values = frame.select(pl.col(column)).drop_nulls()
        if dtype.is_numeric():
            return _numeric_reference(values, column, dtype, bin_count)
        text = pl.col(column) if dtype == pl.String else pl.col(column).cast(pl.String)
        groups = values.group_by(text.alias("value")).len().sort("len", descending=True).collect()
    except pl.exceptions.PolarsError as exc:
        raise SourceError(location, f"cannot read the reference: {exc}") from exc
    total = float(groups["len"].sum()) or 1.0
    top = groups.head(MAX_REFERENCE_CATEGORIES)
    labels = [str(value) for value in top["value"].to_list()]
    return Reference(labels, [count / total for count in top["len"].to_list()], None)


def _numeric_reference(
    values: pl.LazyFrame, column: str, dtype: pl.DataType, bin_count: int
) -> Reference:
    """Quantile bins of the reference, and the share of its values in each."""
    quantiles = [step / bin_count for step in range(1, bin_count)]
    row = values.select(
        [pl.col(column).quantile(q).alias(str(i)) for i, q in enumerate(quantiles)]
    ).collect()
    edges = sorted({float(value) for value in row.row(0) if value is not None})
    probe = Reference([], [0.0] * (len(edges) + 1), edges)
    counts = values.select(**probe.count_exprs(column, dtype)).collect().row(0, named=True)
    return Reference([], [float(counts[key]) for key in probe.count_keys()], edges)
