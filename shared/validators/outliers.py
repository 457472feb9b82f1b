"""`outlier`: numeric values far outside the column's interquartile range (Tukey's fences).

A value is an outlier when it is below ``Q1 - k * IQR`` or above ``Q3 + k * IQR``, with
``IQR = Q3 - Q1`` and ``k = iqr_multiplier`` (1.5). The quartiles come from the same data, so
polars holds each checked column in memory for this check. By default every numeric column is
checked, as the reference framework does.
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from shared.validators.base import ValidatorConfig
from shared.validators.rowcheck import RowCheck, counted, percent


class OutlierConfig(ValidatorConfig):
    #: Numeric columns to check; None means every numeric column.
    columns: list[str] | None = Field(default=None, min_length=1)
    #: How many interquartile ranges beyond the quartiles a value may lie.
    iqr_multiplier: float = Field(default=1.5, gt=0)


class OutlierValidator(RowCheck[OutlierConfig]):
    """Values beyond Tukey's fences of their column."""

    name = "outlier"
    config_model = OutlierConfig
    issue_type = "outliers"

    def target_columns(self, schema: pl.Schema) -> list[str]:
        wanted = self.config.columns
        if wanted is None:
            return [name for name, dtype in schema.items() if dtype.is_numeric()]
        return self.require_columns(schema, wanted)

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        value = pl.col(column).cast(pl.Float64)
        low, high = value.quantile(0.25), value.quantile(0.75)
        spread = (high - low) * self.config.iqr_multiplier
        return (value < low - spread) | (value > high + spread)

    def describe(self, column: str, count: int, ratio: float) -> str:
        k = self.config.iqr_multiplier
        return (
            f"column {column!r} has {counted(count, 'outlier')} beyond {k:g} interquartile"
            f" ranges of its quartiles ({percent(ratio)} of non-null values)"
        )
