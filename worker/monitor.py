"""A worker's background task: renew its heartbeat, re-queue dead workers' runs (see
`worker.reaper`), notice a Redis that lost its data (`shared.epoch`) and refresh the fleet
gauges; and the record of the jobs this worker runs."""

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

logger = logging.getLogger(__name__)

#: The longest `WorkerMonitor.stop` waits for each of its steps.
STOP_TIMEOUT_S = 2.0

# KEYS: the running hash; ARGV: job id, this worker's id
_FORGET = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
    return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""


class WorkerMonitor:
    """Owns the heartbeat of one worker process; `start` after start-up, `stop` at shutdown."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        heartbeat: Heartbeat,
        metrics: WorkerMetrics,
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
        self._forget = redis.register_script(_FORGET)
        self.reaper = DeadWorkerReaper(redis, keys, heartbeat.worker_id, settle_s=ttl_s)
        self.epoch = EpochWatch(
            redis,
            keys,
            role="worker",
            what_else="this worker's own runs in flight still publish their results",
        )
        #: The jobs this worker runs now, to record again if Redis loses the record.
        self.running: set[str] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat_forever(), name="checkfleet-heartbeat")

    async def run_started(self, job_id: str) -> None:
        """Record that this worker runs `job_id`, so the fleet re-queues it if this worker dies."""
        self.running.add(job_id)
        await self._redis.hset(self._keys.running, job_id, self.heartbeat.worker_id)  # type: ignore[misc]

    async def run_ended(self, job_id: str) -> None:
        """Forget `job_id` (finished, failed or cancelled: arq re-queues a cancelled one
        itself); bounded, and only this worker's own entry, in case another worker has taken
        the job over after this one was thought dead."""
        self.running.discard(job_id)
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await self._forget(
                    keys=[self._keys.running], args=[job_id, self.heartbeat.worker_id]
                )
        except (RedisError, OSError, TimeoutError) as exc:
            # Left behind, the entry is re-queued once this worker's heartbeat expires; the
            # job is finished by then, so nothing runs again.
            logger.warning("cannot forget finished job %s: %s", job_id, exc or "timed out")

    async def beat(self) -> None:
        """Renew the heartbeat, check the epoch, re-queue dead workers' runs and refresh the
        gauges once."""
        await write_heartbeat(self._redis, self._keys, self.heartbeat, self._ttl_s)
        if await self.epoch.check() and self.running:
            # Clients tell a running run from a lost one by this record: write it again.
            mapping = dict.fromkeys(self.running, self.heartbeat.worker_id)
            await self._redis.hset(self._keys.running, mapping=mapping)  # type: ignore[misc]
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
