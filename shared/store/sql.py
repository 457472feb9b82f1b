"""The SQL both backends share, built once with the backend's placeholder style and time type.

Only values travel as parameters; table and column names are fixed here, never user text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from shared.store.base import FigureQuery, RunQuery

ParamStyle = Literal["qmark", "numeric"]


class Params:
    """Collects parameter values and hands out their placeholders (``?`` or ``$n``)."""

    def __init__(self, style: ParamStyle, to_time: Callable[[datetime], Any]) -> None:
        self.values: list[Any] = []
        self._style = style
        self._to_time = to_time

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return "?" if self._style == "qmark" else f"${len(self.values)}"

    def time(self, moment: datetime) -> str:
        return self(self._to_time(moment))


def runs_select(query: RunQuery, params: Params, *, columns: str = "result") -> str:
    """``SELECT columns FROM runs`` for `query`, newest first."""
    conditions = _run_conditions(query, params)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        f"SELECT {columns} FROM runs{where}"
        f" ORDER BY run_time DESC, run_id DESC LIMIT {params(max(0, query.limit))}"
    )


def _run_conditions(query: RunQuery, params: Params) -> list[str]:
    conditions = []
    if query.checkpoint is not None:
        conditions.append(f"checkpoint = {params(query.checkpoint)}")
    if query.statuses:
        listed = ", ".join(params(status.value) for status in query.statuses)
        conditions.append(f"status IN ({listed})")
    if query.data_asset is not None:
        conditions.append(f"data_asset = {params(query.data_asset)}")
    if query.since is not None:
        conditions.append(f"run_time >= {params.time(query.since)}")
    if query.before is not None:
        conditions.append(f"run_time < {params.time(query.before)}")
    return conditions


def figures_select(query: FigureQuery, params: Params) -> str:
    """The figures of the checkpoint's latest ``query.runs`` runs, oldest first."""
    latest = RunQuery(
        checkpoint=query.checkpoint,
        data_asset=query.data_asset,
        since=query.since,
        limit=query.runs,
    )
    conditions = [f"run_id IN ({runs_select(latest, params, columns='run_id')})"]
    for column, value in (
        ("validator", query.validator),
        ("column_name", query.column),
        ("metric", query.metric),
    ):
        if value is not None:
            conditions.append(f"{column} = {params(value)}")
    return (
        "SELECT run_id, run_time, validator, column_name, metric, value FROM figures"
        f" WHERE {' AND '.join(conditions)}"
        " ORDER BY run_time, run_id, validator, column_name, metric"
    )


def count_select(checkpoint: str | None, params: Params) -> str:
    if checkpoint is None:
        return "SELECT count(*) FROM runs"
    return f"SELECT count(*) FROM runs WHERE checkpoint = {params(checkpoint)}"


RUN_COLUMNS = (
    "run_id, checkpoint, data_asset, status, run_time, row_count, duration_ms, issue_count, result"
)
FIGURE_COLUMNS = "run_id, checkpoint, data_asset, validator, column_name, metric, value, run_time"
