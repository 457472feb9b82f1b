"""`string_length`: text lengths (in characters) within bounds; `not_constant`: a column holds
more than one distinct non-null value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import polars as pl
from pydantic import Field, model_validator

from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.rowcheck import RowCheck, counted, percent


class StringLengthConfig(ValidatorConfig):
    #: Text columns to check; None means every text column.
    columns: list[str] | None = Field(default=None, min_length=1)
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("set min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class StringLengthValidator(RowCheck[StringLengthConfig]):
    """Non-null values whose length is outside ``min``..``max`` characters."""

    name = "string_length"
    config_model = StringLengthConfig
    issue_type = "length_out_of_range"

    def target_columns(self, schema: pl.Schema) -> list[str]:
        wanted = self.config.columns
        if wanted is None:
            return [name for name, dtype in schema.items() if dtype == pl.String]
        return self.require_columns(schema, wanted)

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        text = pl.col(column) if dtype == pl.String else pl.col(column).cast(pl.String)
        length = text.str.len_chars()
        outside = pl.lit(False)
        if self.config.min is not None:
            outside = outside | (length < self.config.min)
        if self.config.max is not None:
            outside = outside | (length > self.config.max)
        return outside

    def describe(self, column: str, count: int, ratio: float) -> str:
        low = self.config.min if self.config.min is not None else 0
        high = self.config.max if self.config.max is not None else "+inf"
        return (
            f"column {column!r} has {counted(count, 'value')} whose length is outside"
            f" [{low}, {high}] characters ({percent(ratio)} of non-null values)"
        )


class NotConstantConfig(ValidatorConfig):
    #: Columns to check; None means every column.
    columns: list[str] | None = Field(default=None, min_length=1)


class NotConstantValidator(Validator[NotConstantConfig]):
    """An issue for each column whose non-null values are all equal (or that has none).
    Orderable columns compare their minimum and maximum, which streams; others count their
    distinct values."""

    name = "not_constant"
    config_model = NotConstantConfig

    _columns: list[str]

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        wanted = self.config.columns
        self._columns = schema.names() if wanted is None else self.require_columns(schema, wanted)
        exprs = {}
        for index, column in enumerate(self._columns):
            value, dtype = pl.col(column), schema[column]
            if dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.String, pl.Boolean):
                exprs[f"varies/{index}"] = (value.min() != value.max()).fill_null(False)
            else:
                exprs[f"varies/{index}"] = value.drop_nulls().n_unique() > 1
        return exprs

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = Evaluation()
        for index, column in enumerate(self._columns):
            varies = bool(values[f"varies/{index}"])
            evaluation.figures[column] = {"constant": not varies}
            if varies:
                continue
            issue = self.make_issue(
                column=column,
                issue_type="constant_column",
                count=row_count,
                ratio=1.0,
                message=f"column {column!r} holds a single value (or none) in every row",
            )
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation
