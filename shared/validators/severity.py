"""Severity from a failing ratio, and sample values made safe for the wire.

Default severity by the fraction of checked rows (or columns, or relative excess over a bound)
that fail, unless a validator's config sets ``severity``:

=================  ==========
failing ratio      severity
=================  ==========
below 1 %          low
1 % to below 5 %   medium
5 % to below 25 %  high
25 % and above     critical
=================  ==========
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from shared.models import SampleValue, Severity

#: (exclusive upper bound of the failing ratio, severity), in increasing order.
SEVERITY_BY_RATIO: tuple[tuple[float, Severity], ...] = (
    (0.01, Severity.LOW),
    (0.05, Severity.MEDIUM),
    (0.25, Severity.HIGH),
)


def severity_for_ratio(ratio: float) -> Severity:
    """The default severity of an issue whose failing ratio is `ratio` (0..1)."""
    for upper, severity in SEVERITY_BY_RATIO:
        if ratio < upper:
            return severity
    return Severity.CRITICAL


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
