"""Durations in configs: seconds as a number, or text like ``90s``, ``15m``, ``1h30m``, ``2d``."""

from __future__ import annotations

import re

_UNITS_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")


def parse_duration_s(value: float | int | str) -> float:
    """`value` in seconds; `ValueError` for text that is not a positive duration."""
    if isinstance(value, bool):
        raise ValueError("a duration must be a number of seconds or text like '24h'")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = value.strip().lower().replace(" ", "")
        parts = _PART.findall(text)
        if not text or "".join(number + unit for number, unit in parts) != text:
            raise ValueError(f"cannot read {value!r} as a duration; use e.g. '90s', '15m', '24h'")
        seconds = sum(float(number) * _UNITS_S[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds


#: (unit, seconds in it, the largest limit shown in it), smallest first.
_DISPLAY_UNITS = (("s", 1.0, 120.0), ("min", 60.0, 7200.0), ("h", 3600.0, 172800.0))


def display_unit(limit_s: float) -> tuple[str, float]:
    """The unit to show durations compared with `limit_s` in: seconds below 2 min, minutes
    below 2 h, hours below 2 days, then days."""
    for unit, size, largest in _DISPLAY_UNITS:
        if limit_s < largest:
            return unit, size
    return "d", 86400.0


def in_unit(seconds: float, unit: tuple[str, float]) -> str:
    """``140 s``, ``2.5 h``: `seconds` in `unit`, without needless decimals."""
    name, size = unit
    value = seconds / size
    text = f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.1f}"
    return f"{text} {name}"
