"""A worker's background task: renew its heartbeat, re-queue dead workers' runs (see
`worker.reaper`), notice a Redis that lost its data (`shared.epoch`: then this worker's
running jobs are recorded again) and refresh the fleet gauges."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.epoch import EpochWatch
from shared.fleet import Heartbeat, clear_heartbeat, write_heartbeat
from shared.keys import Keys
from shared.metrics import WorkerMetrics
from worker.reaper import DeadWorkerReaper
from worker.run_records import RunRecords

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
        records: RunRecords,
        *,
        interval_s: float,
        ttl_s: float,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.heartbeat = heartbeat
        self._metrics = metrics
        self._interval_s = interval_s
        self._ttl_s = ttl_s
        self._task: asyncio.Task[None] | None = None
        self._records = records
        self.reaper = DeadWorkerReaper(redis, keys, heartbeat.worker_id, settle_s=ttl_s)
        self.epoch = EpochWatch(
            redis,
            keys,
            role="worker",
            what_else="this worker's own runs in flight still publish their results",
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat_forever(), name="checkfleet-heartbeat")

    async def beat(self) -> None:
        """Renew the heartbeat, check the epoch, re-queue dead workers' runs and refresh the
        gauges once."""
        await write_heartbeat(self._redis, self._keys, self.heartbeat, self._ttl_s)
        if await self.epoch.check():
            # Clients tell a running run from a lost one by this record: write it again.
            await self._records.record_again()
        await self.reaper.reap()
        await self._metrics.fleet.refresh(self._redis, self._keys)

    async def _beat_forever(self) -> None:
        while True:
            try:
                await self.beat()
            except (RedisError, OSError) as exc:
                # Redis being away is ridden out by the connection policy; just try again.
                self.reaper.redis_failed()
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
