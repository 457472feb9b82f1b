"""`FleetView`: what the dashboard shows, read from the results store and the fleet's Redis.

Both sources are optional: the store (history, trends, figures) may be the embedded SQLite file
that ``checkfleet run`` writes, and Redis (live results, queue, workers, dead letters) is used
only when ``CHECKFLEET_REDIS_URL`` is set. Recent runs are the union of both, by run id: the
results stream has what the archiver has not stored yet, the store what the stream trimmed.
Redis errors become `FleetUnavailable` notes on the page, never a failed page.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError

from producer.cli.render import outcome_of
from producer.client.dead_letters import DeadLetter, list_dead_letters
from producer.client.recent_results import ResultFilter, recent_results
from producer.client.result_stream import ResultEntry
from shared import codec
from shared.errors import DecodeError, FleetUnavailable
from shared.fleet import FleetStats, read_fleet_stats
from shared.models import CheckpointResult
from shared.redis_url import redacted
from shared.settings import Settings
from shared.store import FigureQuery, ResultStore, RunQuery

logger = logging.getLogger(__name__)

#: Runs of each checkpoint in the health grid's trend.
TREND_RUNS = 20
#: Newest results read from the stream for the grid and the recent list.
STREAM_WINDOW = 1000
#: Runs a checkpoint page charts.
CHART_RUNS = 100
#: Figures of the store that the first charts (rows, duration) show already.
CHARTED_ALREADY = {("run", "row_count"), ("run", "duration_ms")}


@dataclass(slots=True)
class CheckpointHealth:
    name: str
    #: Recent runs, oldest first; the last is the latest.
    trend: list[CheckpointResult]

    @property
    def latest(self) -> CheckpointResult:
        return self.trend[-1]


@dataclass(slots=True)
class Series:
    """One figure over time: (run time, value, run id) points, oldest first."""

    label: str
    points: list[tuple[datetime, float, str]] = field(default_factory=list)


class FleetView:
    def __init__(self, settings: Settings, redis: Any | None, store: ResultStore | None) -> None:
        self.settings = settings
        self.redis = redis
        self.store = store

    @property
    def where(self) -> str:
        return redacted(self.settings.redis_url) if self.redis is not None else ""

    async def fleet(self) -> FleetStats | None:
        """Queue depth, workers, runs in progress, dead letters; None without Redis."""
        if self.redis is None:
            return None
        try:
            return await read_fleet_stats(self.redis, self.settings.keys)
        except (RedisError, OSError) as exc:
            raise FleetUnavailable(f"Redis at {self.where} does not answer: {exc}") from exc

    async def _stream_results(self, count: int, keep: ResultFilter | None = None) -> list[Any]:
        if self.redis is None:
            return []
        try:
            entries = await recent_results(self.redis, self.settings.keys, count, keep)
        except (RedisError, OSError) as exc:
            logger.warning("dashboard: results stream unreadable: %s", exc)
            return []
        return [entry.result for entry in entries if entry.result is not None]

    async def recent(
        self, count: int = 50, checkpoint: str | None = None
    ) -> list[CheckpointResult]:
        """The newest runs (of one checkpoint, when named), newest first."""
        from_stream = await self._stream_results(count, ResultFilter(checkpoint=checkpoint))
        stored = (
            await self.store.runs(RunQuery(checkpoint=checkpoint, limit=count))
            if self.store
            else []
        )
        return newest_first(merged(from_stream, stored))[:count]

    async def health(self) -> list[CheckpointHealth]:
        """Each checkpoint's latest runs, by name."""
        by_name: dict[str, list[CheckpointResult]] = defaultdict(list)
        for result in await self._stream_results(STREAM_WINDOW):
            by_name[result.checkpoint_name].append(result)
        if self.store is not None:
            for latest in await self.store.latest():
                runs = await self.store.runs(
                    RunQuery(checkpoint=latest.checkpoint_name, limit=TREND_RUNS)
                )
                by_name[latest.checkpoint_name].extend(runs)
        return [
            CheckpointHealth(name, list(reversed(newest_first(merged(runs))[:TREND_RUNS])))
            for name, runs in sorted(by_name.items())
        ]

    async def run(self, run_id: str) -> CheckpointResult | None:
        """One run by id: from the store, else the fleet's per-run copy."""
        if self.store is not None:
            found = await self.store.get_run(run_id)
            if found is not None:
                return found
        if self.redis is None:
            return None
        try:
            raw = await self.redis.get(self.settings.keys.run_result(run_id))
        except (RedisError, OSError) as exc:
            raise FleetUnavailable(f"Redis at {self.where} does not answer: {exc}") from exc
        if raw is None:
            return None
        try:
            return codec.decode_result(raw)
        except DecodeError as exc:
            logger.warning("dashboard: run %s: unreadable result copy: %s", run_id, exc)
            return None

    async def series(self, checkpoint: str) -> list[Series]:
        """Figures of a checkpoint over its latest runs: rows, duration, issues, then every
        figure the store keeps (one series per validator, column and metric)."""
        runs = list(reversed(await self.recent(CHART_RUNS, checkpoint=checkpoint)))
        series = [
            Series("rows read", [(r.run_time, float(r.row_count), r.run_id) for r in runs]),
            Series("duration (ms)", [(r.run_time, r.duration_ms, r.run_id) for r in runs]),
            Series("issues", [(r.run_time, float(len(r.issues)), r.run_id) for r in runs]),
        ]
        if self.store is None:
            return series
        figures: dict[str, Series] = {}
        for point in await self.store.figures(FigureQuery(checkpoint=checkpoint, runs=CHART_RUNS)):
            if (point.validator, point.metric) in CHARTED_ALREADY:
                continue
            where = f" {point.column}" if point.column else ""
            label = f"{point.validator}{where}: {point.metric}"
            figures.setdefault(label, Series(label)).points.append(
                (point.run_time, point.value, point.run_id)
            )
        return series + [figures[label] for label in sorted(figures)]

    async def dead_letters(self, count: int = 20) -> list[DeadLetter]:
        if self.redis is None:
            return []
        try:
            return await list_dead_letters(self.redis, self.settings.keys, count)
        except (RedisError, OSError) as exc:
            raise FleetUnavailable(f"Redis at {self.where} does not answer: {exc}") from exc


def merged(*sources: Iterable[CheckpointResult]) -> list[CheckpointResult]:
    """The runs of every source, each run id once (the first source's copy wins)."""
    seen: dict[str, CheckpointResult] = {}
    for source in sources:
        for result in source:
            seen.setdefault(result.run_id, result)
    return list(seen.values())


def newest_first(results: Iterable[CheckpointResult]) -> list[CheckpointResult]:
    return sorted(results, key=lambda result: result.run_time, reverse=True)


def entry_summary(entry: ResultEntry) -> dict[str, Any]:
    """What the live list shows of one stream entry (the page's script renders it)."""
    result = entry.result
    if result is None:
        return {
            "entry_id": entry.entry_id,
            "run_id": entry.run_id,
            "checkpoint": entry.checkpoint,
            "status": entry.status,
            "outcome": f"unreadable result: {entry.error}",
        }
    return {
        "entry_id": entry.entry_id,
        "run_id": result.run_id,
        "checkpoint": result.checkpoint_name,
        "status": result.status.value,
        "run_time": result.run_time.isoformat(),
        "rows": result.row_count,
        "issues": len(result.issues),
        "duration_ms": round(result.duration_ms),
        "outcome": outcome_of(result),
    }
