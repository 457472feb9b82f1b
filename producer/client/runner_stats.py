"""`RunnerStats`: what a runner counts for `get_stats` beyond its own state: results by status,
results and runs it could not deliver, and the fleet's queue depth (read in the background,
since `get_stats` is synchronous)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable

from shared.models import CheckpointResult, CheckpointStatus


class RunnerStats:
    """Counters of one runner, and the task that keeps `queue_depth` fresh."""

    def __init__(self) -> None:
        self._by_status: Counter[str] = Counter()
        #: Results that ended but found the result queue full until the shutdown timeout.
        self.dropped = 0
        #: Runs still unfinished at the shutdown timeout.
        self.undelivered = 0
        #: The fleet's queue depth at the last refresh (None: unknown, or no fleet).
        self.queue_depth: int | None = None
        self._refresher: asyncio.Task[None] | None = None

    def count(self, result: CheckpointResult) -> None:
        self._by_status[result.status.value] += 1

    def by_status(self) -> dict[str, int]:
        """Results by status, every status named (0 when none)."""
        return {status.value: self._by_status[status.value] for status in CheckpointStatus}

    def start_refreshing(
        self, read_depth: Callable[[], Awaitable[int | None]], *, interval_s: float
    ) -> None:
        """Read the queue depth now and every `interval_s` until `stop_refreshing`."""
        self._refresher = asyncio.create_task(
            self._refresh(read_depth, interval_s), name="queue depth"
        )

    async def stop_refreshing(self) -> None:
        if self._refresher is None:
            return
        self._refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._refresher
        self._refresher = None

    async def _refresh(
        self, read_depth: Callable[[], Awaitable[int | None]], interval_s: float
    ) -> None:
        while True:
            with contextlib.suppress(Exception):  # a figure for stats: never worth a failure
                self.queue_depth = await read_depth()
            await asyncio.sleep(interval_s)
