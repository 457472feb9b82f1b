"""A worker's background task: renew its heartbeat and refresh the fleet gauges."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.fleet import HEARTBEAT_INTERVAL_S, Heartbeat, clear_heartbeat, write_heartbeat
from shared.keys import Keys
from shared.metrics import WorkerMetrics

logger = logging.getLogger(__name__)

#: The longest `WorkerMonitor.stop` waits for each of its steps.
STOP_TIMEOUT_S = 2.0


class WorkerMonitor:
    """Owns the heartbeat of one worker process; `start` after start-up, `stop` at shutdown."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        heartbeat: Heartbeat,
        metrics: WorkerMetrics,
        *,
        interval_s: float = HEARTBEAT_INTERVAL_S,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.heartbeat = heartbeat
        self._metrics = metrics
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat_forever(), name="checkfleet-heartbeat")

    async def beat(self) -> None:
        """Renew the heartbeat and refresh the gauges once."""
        await write_heartbeat(self._redis, self._keys, self.heartbeat)
        await self._metrics.fleet.refresh(self._redis, self._keys)

    async def _beat_forever(self) -> None:
        while True:
            try:
                await self.beat()
            except (RedisError, OSError) as exc:
                # Redis being away is ridden out by the connection policy; just try again.
                logger.warning("cannot renew the worker heartbeat: %s", exc)
            await asyncio.sleep(self._interval_s)

    async def stop(self) -> None:
        """Stop renewing and remove the heartbeat; bounded, so shutdown never hangs here (an
        unremoved heartbeat expires by itself)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=STOP_TIMEOUT_S)
            self._task = None
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await clear_heartbeat(self._redis, self._keys, self.heartbeat.worker_id)
        except (RedisError, OSError, TimeoutError) as exc:
            logger.warning("cannot clear the worker heartbeat: %s", exc or "timed out")
