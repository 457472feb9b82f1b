"""`RunHistory`: past runs from the results store, for Python callers (the same answers as
``checkfleet history``)::

    async with RunHistory.open() as history:           # CHECKFLEET_STORE_URL or the default
        failures = await history.runs("orders", status="failure", since="24h")
        changes = await history.diff("orders")         # latest run against the one before

`since` takes a duration (``90s``, ``30m``, ``24h``, ``7d``, ``2w``), a `timedelta`, an
ISO-8601 timestamp (UTC when it names no zone) or a `datetime`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Self

from shared.models import CheckpointResult, CheckpointStatus, utc_now
from shared.settings import Settings
from shared.store import (
    DEFAULT_LIMIT,
    FigurePoint,
    FigureQuery,
    ResultStore,
    RunQuery,
    open_store,
    store_url_of,
)
from shared.store.diff import RunDiff, diff_runs

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*")
_UNITS_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}

When = str | datetime | timedelta
#: A status, a comma-separated list of them, or a sequence of them.
StatusFilter = str | CheckpointStatus | Sequence[str | CheckpointStatus] | None


def parse_when(value: When, *, now: datetime | None = None) -> datetime:
    """A point in time from a duration before `now` or a timestamp; ValueError saying which
    forms are accepted."""
    now = now or utc_now()
    if isinstance(value, timedelta):
        return now - value
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    match = _DURATION.fullmatch(value)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNITS_S[match.group(2)])
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{value!r} is neither a duration (90s, 30m, 24h, 7d, 2w) nor a timestamp"
            " (2026-01-05 or 2026-01-05T08:00:00+00:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_statuses(status: StatusFilter) -> tuple[CheckpointStatus, ...]:
    """Statuses from a name, a comma-separated list or a sequence; ValueError naming the
    known ones."""
    if status is None:
        return ()
    names = status.split(",") if isinstance(status, str) else list(status)
    statuses = []
    for name in names:
        try:
            statuses.append(CheckpointStatus(str(name).strip().lower()))
        except ValueError:
            known = ", ".join(s.value for s in CheckpointStatus)
            raise ValueError(f"unknown status {name!r}; known: {known}") from None
    return tuple(statuses)


class RunHistory:
    """Reads a `ResultStore`; `open` (or ``async with``) a store of its own, or wrap one."""

    def __init__(self, store: ResultStore, *, owns_store: bool = False) -> None:
        self.store = store
        self._owns_store = owns_store

    @classmethod
    def open(cls, url: str | None = None, *, settings: Settings | None = None) -> Self:
        """The history of the store at `url`, else of ``CHECKFLEET_STORE_URL``, else of the
        embedded default under the working directory; opened by ``async with``."""
        chosen = url or store_url_of(settings or Settings.from_env())
        return cls(open_store(chosen), owns_store=True)

    async def __aenter__(self) -> Self:
        if self._owns_store:
            await self.store.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._owns_store:
            await self.store.close()

    async def runs(
        self,
        checkpoint: str | None = None,
        *,
        status: StatusFilter = None,
        since: When | None = None,
        data_asset: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[CheckpointResult]:
        """Runs, newest first, filtered as ``checkfleet history`` filters them."""
        return await self.store.runs(
            RunQuery(
                checkpoint=checkpoint,
                statuses=parse_statuses(status),
                data_asset=data_asset,
                since=None if since is None else parse_when(since),
                limit=limit,
            )
        )

    async def get(self, run_id: str) -> CheckpointResult | None:
        return await self.store.get_run(run_id)

    async def latest(self, checkpoints: Sequence[str] = ()) -> list[CheckpointResult]:
        return await self.store.latest(checkpoints)

    async def previous(self, result: CheckpointResult) -> CheckpointResult | None:
        """The run of the same checkpoint and data source just before `result`."""
        earlier = await self.store.runs(
            RunQuery(
                checkpoint=result.checkpoint_name,
                data_asset=result.data_asset,
                before=result.run_time,
                limit=1,
            )
        )
        return earlier[0] if earlier else None

    async def diff(self, checkpoint: str, run_id: str | None = None) -> RunDiff | None:
        """What changed in run `run_id` (default: the latest) against the run before it;
        None when the checkpoint has no run (or `run_id` is not one of its)."""
        if run_id is None:
            latest = await self.store.runs(RunQuery(checkpoint=checkpoint, limit=1))
            current = latest[0] if latest else None
        else:
            current = await self.store.get_run(run_id)
        if current is None or current.checkpoint_name != checkpoint:
            return None
        return diff_runs(current, await self.previous(current))

    async def figures(
        self,
        checkpoint: str,
        *,
        validator: str | None = None,
        column: str | None = None,
        metric: str | None = None,
        runs: int = DEFAULT_LIMIT,
    ) -> list[FigurePoint]:
        return await self.store.figures(
            FigureQuery(checkpoint, validator=validator, column=column, metric=metric, runs=runs)
        )
