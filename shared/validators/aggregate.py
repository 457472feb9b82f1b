"""`aggregate`: a column statistic between bounds (dbt / GX / Soda's column aggregates).

``{"type": "aggregate", "config": {"column": "amount", "stat": "mean", "min": 10, "max": 20}}``
with ``stat`` one of ``mean``, ``sum``, ``stdev`` (sample), ``min``, ``max``, ``median``,
``quantile`` (with ``quantile: 0.95``) or ``distinct_count`` (non-null distinct values). The
statistic is one reduction of the run's first pass; an issue when it is outside the bounds
(or null: no value), its ratio the relative excess over the bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

import polars as pl
from pydantic import Field, model_validator

from shared.errors import SpecError
from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.bounds import relative_excess

Stat = Literal["mean", "sum", "stdev", "min", "max", "median", "quantile", "distinct_count"]
_NUMERIC_ONLY = ("mean", "sum", "stdev", "median", "quantile")


class AggregateConfig(ValidatorConfig):
    column: str
    stat: Stat
    #: The quantile for ``stat: quantile`` (0..1).
    quantile: float | None = Field(default=None, ge=0.0, le=1.0)
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("set min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is greater than max {self.max:g}")
        if (self.stat == "quantile") != (self.quantile is not None):
            raise ValueError("quantile: give it with stat: quantile, and only then")
        return self


def statistic(column: str, stat: Stat, quantile: float | None) -> pl.Expr:
    """The reduction computing `stat` of `column`."""
    value = pl.col(column)
    if stat == "stdev":
        return value.std()
    if stat == "quantile":
        assert quantile is not None
        return value.quantile(quantile)
    if stat == "distinct_count":
        return value.drop_nulls().n_unique()
    return getattr(value, stat)()  # type: ignore[no-any-return]


class AggregateValidator(Validator[AggregateConfig]):
    """An issue when the statistic is outside ``min``..``max``."""

    name = "aggregate"
    config_model = AggregateConfig

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        config = self.config
        column = self.require_columns(schema, [config.column], field_name="column")[0]
        if config.stat in _NUMERIC_ONLY and not schema[column].is_numeric():
            raise SpecError(
                f"column {column!r} has type {schema[column]}; {config.stat} needs numbers",
                path="config.stat",
            )
        value = statistic(column, config.stat, config.quantile)
        if config.stat in ("min", "max") and not schema[column].is_numeric():
            value = value.cast(pl.Float64, strict=False)
        return {"value": value.cast(pl.Float64)}

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        config = self.config
        found = values["value"]
        label = config.stat if config.stat != "quantile" else f"quantile {config.quantile:g}"
        evaluation = Evaluation(figures={"stat": label, "value": found})
        low = "-inf" if config.min is None else f"{config.min:g}"
        high = "+inf" if config.max is None else f"{config.max:g}"
        if found is None:
            ratio, message = 1.0, f"column {config.column!r} has no {label} (no value)"
        elif config.min is not None and found < config.min:
            ratio = relative_excess(found, config.min)
            message = f"column {config.column!r} has {label} {found:g}, below [{low}, {high}]"
        elif config.max is not None and found > config.max:
            ratio = relative_excess(found, config.max)
            message = f"column {config.column!r} has {label} {found:g}, above [{low}, {high}]"
        else:
            return evaluation
        issue = self.make_issue(
            column=config.column,
            issue_type="aggregate_out_of_range",
            count=1,
            ratio=ratio,
            message=message,
            sample=[found],
        )
        if issue is not None:
            evaluation.issues.append(issue)
        return evaluation
