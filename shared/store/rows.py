"""What a result becomes in the store: the columns of its ``runs`` row and its ``figures``.

Figures are the numeric leaves of each validator's figures in ``statistics["validators"]``
(booleans and text are left out), plus the run's own ``row_count`` and ``duration_ms``
(validator ``run``). A validator's figures keyed by column (``{"amount": {"ratio": 0.1}}``)
give ``column="amount", metric="ratio"``; other nesting is dotted into the metric name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.models import CheckpointResult

#: The validator name of the figures every run has.
RUN_FIGURES = "run"


@dataclass(frozen=True, slots=True)
class FigureRow:
    validator: str
    column: str
    metric: str
    value: float


def result_json(result: CheckpointResult) -> str:
    """The full result as JSON text, as stored in ``runs.result``."""
    return json.dumps(result.to_dict(), separators=(",", ":"))


def result_from_json(text: str | bytes | Mapping[str, Any]) -> CheckpointResult:
    """A stored result back as a model."""
    data = text if isinstance(text, Mapping) else json.loads(text)
    return CheckpointResult.from_dict(dict(data))


def figure_rows(result: CheckpointResult) -> list[FigureRow]:
    """Every numeric figure of `result`."""
    rows = [
        FigureRow(RUN_FIGURES, "", "row_count", float(result.row_count)),
        FigureRow(RUN_FIGURES, "", "duration_ms", float(result.duration_ms)),
    ]
    validators = result.statistics.get("validators")
    if not isinstance(validators, list):
        return rows
    columns = result.statistics.get("columns")
    known_columns = set(columns) if isinstance(columns, dict) else set()
    for entry in validators:
        if not isinstance(entry, dict):
            continue
        name, figures = entry.get("validator"), entry.get("figures")
        if not isinstance(name, str) or not isinstance(figures, dict):
            continue
        for key, value in figures.items():
            if isinstance(value, dict) and key in known_columns:
                rows.extend(
                    FigureRow(name, key, metric, number) for metric, number in _leaves(value, "")
                )
            else:
                rows.extend(
                    FigureRow(name, "", metric, number) for metric, number in _leaves(value, key)
                )
    return rows


def run_record(result: CheckpointResult, run_time: Any) -> tuple[Any, ...]:
    """The values of `sql.RUN_COLUMNS` for `result`, its run time as the backend stores it."""
    return (
        result.run_id,
        result.checkpoint_name,
        result.data_asset,
        result.status.value,
        run_time,
        result.row_count,
        result.duration_ms,
        len(result.issues),
        result_json(result),
    )


def figure_records(result: CheckpointResult, run_time: Any) -> list[tuple[Any, ...]]:
    """The values of `sql.FIGURE_COLUMNS` for each figure of `result`."""
    return [
        (
            result.run_id,
            result.checkpoint_name,
            result.data_asset,
            row.validator,
            row.column,
            row.metric,
            row.value,
            run_time,
        )
        for row in figure_rows(result)
    ]


def _leaves(value: Any, path: str) -> Iterator[tuple[str, float]]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        number = float(value)
        if number == number and abs(number) != float("inf"):  # NaN and infinities stay out
            yield path, number
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_micros(moment: datetime) -> int:
    """A UTC datetime as whole microseconds since the epoch (SQLite's time columns): exact,
    and ordered as the times are."""
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)
