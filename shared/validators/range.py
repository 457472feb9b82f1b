"""`range` (alias `between`): values of numeric or temporal columns within bounds.

With neither ``columns`` nor bounds (a bare ``range``), as the reference framework does, the
numeric columns named like a well-known quantity are checked against its natural bounds
(`WELL_KNOWN_BOUNDS`: ``age`` 0..150, ``percent`` 0..100, ``month`` 1..12, ``hour`` 0..23...);
a column matches when its name, or its last ``_``-separated word, is one of those names.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

import polars as pl
from pydantic import Field, PlainSerializer, PlainValidator, model_validator

from shared.errors import SpecError
from shared.validators.base import ValidatorConfig
from shared.validators.rowcheck import RowCheck, counted, percent
from shared.validators.severity import RANGE_THRESHOLDS


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


#: Natural bounds of quantities recognised by column name, for a bare ``range``.
WELL_KNOWN_BOUNDS: dict[str, tuple[int, int]] = {
    "age": (0, 150),
    "percent": (0, 100),
    "percentage": (0, 100),
    "pct": (0, 100),
    "month": (1, 12),
    "day": (1, 31),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
    "quarter": (1, 4),
    "probability": (0, 1),
}


def well_known_bounds(column: str) -> tuple[int, int] | None:
    """The natural bounds of `column` by its name (``age``, ``customer_age``...), if any."""
    lowered = column.strip().lower()
    return WELL_KNOWN_BOUNDS.get(lowered) or WELL_KNOWN_BOUNDS.get(lowered.rsplit("_", 1)[-1])


class RangeConfig(ValidatorConfig):
    #: Columns to check; None (with no bounds) checks the well-known columns by name.
    columns: list[str] | None = Field(default=None, min_length=1)
    min: Bound | None = None
    max: Bound | None = None
    #: Whether the bounds themselves are allowed values.
    inclusive: bool = True

    @property
    def by_name(self) -> bool:
        """A bare ``range``: bounds from the well-known column names."""
        return self.columns is None and self.min is None and self.max is None

    @model_validator(mode="after")
    def _check_bounds(self) -> Self:
        if self.by_name:
            return self
        if self.columns is None:
            raise ValueError("columns: name the columns the bounds apply to")
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


class RangeValidator(RowCheck[RangeConfig]):
    """Non-null values lie within ``min``..``max`` (inclusive unless ``inclusive: false``)."""

    name = "range"
    config_model = RangeConfig
    issue_type = "out_of_range"
    default_thresholds = RANGE_THRESHOLDS

    _bounds: dict[str, tuple[Any, Any]]

    def target_columns(self, schema: pl.Schema) -> list[str]:
        config = self.config
        if not config.by_name:
            columns = self.require_columns(schema, config.columns or [])
            self._bounds = dict.fromkeys(columns, (config.min, config.max))
            return columns
        self._bounds = {}
        for column, dtype in schema.items():
            bounds = well_known_bounds(column)
            if bounds is not None and dtype.is_numeric():
                self._bounds[column] = bounds
        return list(self._bounds)

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        value = pl.col(column)
        outside = pl.lit(False)
        low_bound, high_bound = self._bounds[column]
        inclusive = self.config.inclusive
        if low_bound is not None:
            low = _bound_literal(low_bound, dtype, column)
            outside = outside | (value < low if inclusive else value <= low)
        if high_bound is not None:
            high = _bound_literal(high_bound, dtype, column)
            outside = outside | (value > high if inclusive else value >= high)
        return outside

    def describe(self, column: str, count: int, ratio: float) -> str:
        config = self.config
        low_bound, high_bound = self._bounds[column]
        low = "-inf" if low_bound is None else str(low_bound)
        high = "+inf" if high_bound is None else str(high_bound)
        brackets = "[]" if config.inclusive else "()"
        return (
            f"column {column!r} has {counted(count, 'value')} outside {brackets[0]}{low}, {high}"
            f"{brackets[1]} ({percent(ratio)} of non-null values)"
        )


class BetweenValidator(RangeValidator):
    """Alias of `range`."""

    name = "between"
