"""`MemoryAlerts`: the `Alerts` of one process (in-process runs, tests)."""

from __future__ import annotations

import time
from collections.abc import Callable

from shared.errors import StoreError
from shared.models import CheckpointStatus
from shared.store import ResultStore


class MemoryAlerts:
    """Same semantics as `RedisAlerts`, kept in dictionaries; `clock` is injectable."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        previous: dict[str, CheckpointStatus] | None = None,
    ) -> None:
        self._clock = clock
        #: checkpoint -> (latest run id, its status, the status before it)
        self._latest: dict[str, tuple[str, CheckpointStatus, CheckpointStatus | None]] = {}
        for checkpoint, status in (previous or {}).items():
            self._latest[checkpoint] = ("", status, None)
        self._theoretical_arrival: dict[str, float] = {}
        self._seen_until: dict[tuple[str, str], float] = {}

    async def transition(
        self, checkpoint: str, run_id: str, status: CheckpointStatus
    ) -> CheckpointStatus | None:
        latest = self._latest.get(checkpoint)
        if latest is not None and latest[0] == run_id:
            return latest[2]
        previous = None if latest is None else latest[1]
        self._latest[checkpoint] = (run_id, status, previous)
        return previous

    async def reserve(
        self, channel: str, *, rate_per_s: float, burst: int, max_wait_s: float
    ) -> float | None:
        now = self._clock()
        interval = 1.0 / rate_per_s
        arrival = max(self._theoretical_arrival.get(channel, now), now)
        wait_s = max(0.0, arrival + interval - burst * interval - now)
        if wait_s > max_wait_s:
            return None
        self._theoretical_arrival[channel] = arrival + interval
        return wait_s

    async def first_in_window(self, channel: str, fingerprint: str, window_s: float) -> bool:
        now = self._clock()
        key = (channel, fingerprint)
        if self._seen_until.get(key, 0.0) > now:
            return False
        self._seen_until[key] = now + window_s
        return True


async def alerts_from_history(history: ResultStore | None) -> MemoryAlerts:
    """In-process alert state, starting from each checkpoint's latest stored status, so a
    ``checkfleet run`` after a failing one knows it recovered."""
    if history is None:
        return MemoryAlerts()
    try:
        latest = await history.latest()
    except StoreError:
        return MemoryAlerts()
    return MemoryAlerts(previous={result.checkpoint_name: result.status for result in latest})
