"""`to_json_value`: any value as plain JSON-like data, for result metadata and details."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from pydantic import JsonValue


def to_json_value(value: Any) -> JsonValue:
    """`value` as plain JSON-like data; what is not plain becomes its ``str``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_value(item) for item in value]
    return str(value)
