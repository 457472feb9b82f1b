"""`range` (alias `between`): values of numeric or temporal columns within user bounds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

import polars as pl
from pydantic import PlainSerializer, PlainValidator, model_validator

from shared.errors import SpecError
from shared.validators.base import register_validator
from shared.validators.rowcheck import ColumnsConfig, RowCheck, counted, percent


def parse_bound(value: Any) -> int | float | datetime | date:
    """A bound: a number, a date or datetime, or its ISO text."""
    if isinstance(value, (int, float, datetime, date)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        # Numbers arrive as text from ${VAR} expansion.
        for number in (int, float):
            try:
                return number(value)
            except ValueError:
                pass
        try:
            if "T" in value or " " in value or ":" in value:
                return datetime.fromisoformat(value)
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"a bound must be a number or an ISO date, got {value!r}")


def _bound_json(value: int | float | datetime | date) -> int | float | str:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


Bound = Annotated[
    int | float | datetime | date, PlainValidator(parse_bound), PlainSerializer(_bound_json)
]


class RangeConfig(ColumnsConfig):
    min: Bound | None = None
    max: Bound | None = None
    #: Whether the bounds themselves are allowed values.
    inclusive: bool = True

    @model_validator(mode="after")
    def _check_bounds(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("set min, max or both")
        if self.min is not None and self.max is not None:
            low_temporal = isinstance(self.min, (datetime, date))
            if low_temporal != isinstance(self.max, (datetime, date)):
                raise ValueError("min and max must both be numbers or both be dates")
            if _comparable(self.min) > _comparable(self.max):  # type: ignore[operator]
                raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


def _comparable(bound: int | float | datetime | date) -> float | datetime:
    """A bound in a form where any two of the same kind compare (dates become datetimes)."""
    if isinstance(bound, datetime):
        return bound.replace(tzinfo=None)
    if isinstance(bound, date):
        return datetime.combine(bound, datetime.min.time())
    return bound


def _bound_literal(bound: Bound, dtype: pl.DataType, column: str) -> pl.Expr:
    """`bound` as a literal comparable with a `dtype` column; `SpecError` when it is not."""
    temporal_bound = isinstance(bound, (datetime, date))
    if dtype.is_numeric() and not temporal_bound:
        return pl.lit(bound)
    if dtype.is_temporal() and temporal_bound:
        return pl.lit(bound).cast(dtype)
    kind = "a date" if temporal_bound else "a number"
    raise SpecError(
        f"column {column!r} has type {dtype}, which cannot be compared with {kind}",
        path="config.columns",
    )


@register_validator
class RangeValidator(RowCheck[RangeConfig]):
    """Non-null values lie within ``min``..``max`` (inclusive unless ``inclusive: false``)."""

    name = "range"
    config_model = RangeConfig
    issue_type = "out_of_range"

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        value = pl.col(column)
        outside = pl.lit(False)
        config = self.config
        if config.min is not None:
            low = _bound_literal(config.min, dtype, column)
            outside = outside | (value < low if config.inclusive else value <= low)
        if config.max is not None:
            high = _bound_literal(config.max, dtype, column)
            outside = outside | (value > high if config.inclusive else value >= high)
        return outside

    def describe(self, column: str, count: int, ratio: float) -> str:
        config = self.config
        low = "-inf" if config.min is None else str(config.min)
        high = "+inf" if config.max is None else str(config.max)
        brackets = "[]" if config.inclusive else "()"
        return (
            f"column {column!r} has {counted(count, 'value')} outside {brackets[0]}{low}, {high}"
            f"{brackets[1]} ({percent(ratio)} of non-null values)"
        )


@register_validator
class BetweenValidator(RangeValidator):
    """Alias of `range`."""

    name = "between"
