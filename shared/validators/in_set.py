"""`in_set`: every non-null value of the columns is one of the allowed values; `not_in_set`:
none of them is one of the forbidden values."""

from __future__ import annotations

import polars as pl
from pydantic import Field

from shared.validators.rowcheck import ColumnsConfig, RowCheck, counted, percent

Allowed = str | int | float | bool


class InSetConfig(ColumnsConfig):
    values: list[Allowed] = Field(min_length=1)


class InSetValidator(RowCheck[InSetConfig]):
    """Values outside ``values``. Text columns compare with the values as text."""

    name = "in_set"
    config_model = InSetConfig
    issue_type = "not_in_set"

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        allowed = self.config.values
        value = pl.col(column)
        if dtype == pl.String or any(isinstance(item, str) for item in allowed):
            text = value if dtype == pl.String else value.cast(pl.String)
            return ~text.is_in([str(item) for item in allowed])
        return ~value.is_in(pl.Series(allowed).cast(dtype, strict=False).drop_nulls().implode())

    def describe(self, column: str, count: int, ratio: float) -> str:
        shown = ", ".join(repr(item) for item in self.config.values[:10])
        more = ", ..." if len(self.config.values) > 10 else ""
        return (
            f"column {column!r} has {counted(count, 'value')} outside {{{shown}{more}}}"
            f" ({percent(ratio)} of non-null values)"
        )


class NotInSetValidator(InSetValidator):
    """Values inside ``values`` (the forbidden ones)."""

    name = "not_in_set"
    issue_type = "in_forbidden_set"

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        return ~super().failing(column, dtype)

    def describe(self, column: str, count: int, ratio: float) -> str:
        shown = ", ".join(repr(item) for item in self.config.values[:10])
        more = ", ..." if len(self.config.values) > 10 else ""
        return (
            f"column {column!r} has {counted(count, 'forbidden value')} in {{{shown}{more}}}"
            f" ({percent(ratio)} of non-null values)"
        )
