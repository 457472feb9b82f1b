"""`freshness`: the newest timestamp in a column is no older than ``max_age``.

Naive timestamps are taken as UTC; text columns are parsed (with ``format`` when given).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

import polars as pl
from pydantic import field_validator

from shared.errors import SpecError
from shared.models import utc_now
from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.bounds import relative_excess
from shared.validators.durations import display_unit, in_unit, parse_duration_s


class FreshnessConfig(ValidatorConfig):
    column: str
    #: The oldest tolerated newest timestamp: seconds, or text such as ``"24h"``.
    max_age: float | str
    #: strftime format of a text column; None lets polars infer it.
    format: str | None = None

    @field_validator("max_age")
    @classmethod
    def _duration(cls, value: float | str) -> float | str:
        parse_duration_s(value)
        return value


def as_utc_datetime(value: datetime | date) -> datetime:
    """A timestamp as an aware UTC datetime; naive values are taken as UTC, dates as midnight."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class FreshnessValidator(Validator[FreshnessConfig]):
    """An issue when the newest value is older than ``max_age`` or when there is none."""

    name = "freshness"
    config_model = FreshnessConfig

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        column = self.require_columns(schema, [self.config.column], field_name="column")[0]
        dtype = schema[column]
        value = pl.col(column)
        if dtype == pl.String:
            value = value.str.to_datetime(format=self.config.format, strict=False)
        elif not dtype.is_temporal() or dtype == pl.Time or dtype == pl.Duration:
            raise SpecError(
                f"column {column!r} has type {dtype}, not a date, datetime or text",
                path="config.column",
            )
        return {"newest": value.max()}

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        column = self.config.column
        max_age_s = parse_duration_s(self.config.max_age)
        newest = values["newest"]
        evaluation = Evaluation(figures={"newest": None, "age_s": None, "max_age_s": max_age_s})
        if newest is None:
            issue = self.make_issue(
                column=column,
                issue_type="no_timestamps",
                count=row_count,
                ratio=1.0,
                message=f"column {column!r} holds no timestamp to judge freshness by",
            )
        else:
            newest_utc = as_utc_datetime(newest)
            age_s = (utc_now() - newest_utc).total_seconds()
            evaluation.figures.update(newest=newest_utc.isoformat(), age_s=age_s)
            if age_s <= max_age_s:
                return evaluation
            unit = display_unit(max_age_s)
            issue = self.make_issue(
                column=column,
                issue_type="stale_data",
                count=1,
                ratio=relative_excess(age_s, max_age_s),
                message=(
                    f"newest {column!r} is {newest_utc.isoformat()},"
                    f" {in_unit(age_s, unit)} old; the limit is {in_unit(max_age_s, unit)}"
                ),
                sample=[newest_utc],
            )
        if issue is not None:
            evaluation.issues.append(issue)
        return evaluation
