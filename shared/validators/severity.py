"""Severity from a failing ratio, and sample values made safe for the wire.

Default severity by the fraction of checked rows (or columns, or relative excess over a bound)
that fail, as the reference framework judges it, unless a validator's config sets
``severity``: above ``critical`` it is critical, above ``high`` high, above ``medium`` medium,
else low. The thresholds are `SeverityThresholds`, configurable per validator
(``severity_thresholds``); most validators default to 0.5 / 0.2 / 0.05, ``range`` (where a
few stray values already matter) to 0.1 / 0.05 / 0.01.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.models import SampleValue, Severity


class SeverityThresholds(BaseModel):
    """Failing ratios above which an issue is critical, high, medium (else low)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    critical: float = Field(default=0.5, ge=0.0, le=1.0)
    high: float = Field(default=0.2, ge=0.0, le=1.0)
    medium: float = Field(default=0.05, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _descending(self) -> Self:
        if not self.critical >= self.high >= self.medium:
            raise ValueError("thresholds must satisfy critical >= high >= medium")
        return self


#: The reference framework's thresholds for most validators.
DEFAULT_THRESHOLDS = SeverityThresholds()
#: ... and for ``range``.
RANGE_THRESHOLDS = SeverityThresholds(critical=0.1, high=0.05, medium=0.01)


def severity_for_ratio(
    ratio: float, thresholds: SeverityThresholds = DEFAULT_THRESHOLDS
) -> Severity:
    """The default severity of an issue whose failing ratio is `ratio` (0..1)."""
    if ratio > thresholds.critical:
        return Severity.CRITICAL
    if ratio > thresholds.high:
        return Severity.HIGH
    if ratio > thresholds.medium:
        return Severity.MEDIUM
    return Severity.LOW


def sample_value(value: Any) -> SampleValue:
    """`value` as a wire sample: plain scalars unchanged, temporal values ISO strings, else str."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def sample_values(values: Iterable[Any] | None, limit: int) -> list[SampleValue]:
    """At most `limit` samples of `values` (which may be None: nothing collected)."""
    if values is None or limit <= 0:
        return []
    samples: list[SampleValue] = []
    for value in values:
        if len(samples) >= limit:
            break
        samples.append(sample_value(value))
    return samples


def ratio_of(count: int, total: int) -> float:
    """`count / total` clamped to 0..1; 0 when there is nothing to count."""
    if total <= 0:
        return 0.0
    return min(1.0, max(0.0, count / total))
