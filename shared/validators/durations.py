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
