"""Re-queueing the runs of dead workers from their heartbeats, long before arq's lease ends.

arq holds a running job with its in-progress key for the job timeout + 10 s: a worker killed
mid-run (SIGKILL, OOM killer, lost node) leaves its runs waiting that long, 310 s by default.
Every checkfleet worker records the jobs it runs in `Keys.running` (job id -> worker id) and
renews its heartbeat key every `Settings.heartbeat_s`. Each worker, at every heartbeat, looks
for entries whose worker's heartbeat has expired and, in one script per dead worker that
re-checks the heartbeat atomically, removes their in-progress keys: the jobs are still in
the queue (arq removes a job from it only when it finishes), so the next claim runs them on a
live worker. The results stay exactly once (the publish script's marker) and actions at most
once (`shared.action_ledger`). The dead worker's start of the job stays counted
(`worker.run_records`): that is the death the job's next start sees.

A worker that itself lost Redis for a while waits a heartbeat TTL of healthy beats before it
reaps again: the other workers' heartbeats may have expired during the same outage, and they
need a beat to renew them.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from redis.asyncio import Redis

from shared.keys import Keys

logger = logging.getLogger(__name__)

# KEYS: running hash, the dead worker's heartbeat, then one in-progress key per job
# ARGV: the dead worker id, then one job id per job
# Returns the job ids re-queued (nothing when the heartbeat came back meanwhile).
_REQUEUE = """
if redis.call('EXISTS', KEYS[2]) == 1 then
    return {}
end
local requeued = {}
for i = 1, #KEYS - 2 do
    local job = ARGV[1 + i]
    if redis.call('HGET', KEYS[1], job) == ARGV[1] then
        redis.call('HDEL', KEYS[1], job)
        redis.call('DEL', KEYS[2 + i])
        requeued[#requeued + 1] = job
    end
end
return requeued
"""


class DeadWorkerReaper:
    """Finds the running entries of workers whose heartbeat expired and re-queues them."""

    def __init__(self, redis: Redis, keys: Keys, worker_id: str, *, settle_s: float) -> None:
        self._redis = redis
        self._keys = keys
        self._worker_id = worker_id
        self._settle_s = settle_s
        self._script = redis.register_script(_REQUEUE)
        self._healthy_since = time.monotonic()

    def redis_failed(self) -> None:
        """This worker could not reach Redis: the others may have missed beats too."""
        self._healthy_since = time.monotonic()

    async def reap(self) -> list[str]:
        """Re-queue the runs of dead workers; the job ids re-queued."""
        if time.monotonic() - self._healthy_since < self._settle_s:
            return []
        running = await self._redis.hgetall(self._keys.running)  # type: ignore[misc]
        jobs_by_worker: dict[str, list[str]] = defaultdict(list)
        for job_id, worker_id in running.items():
            holder = _text(worker_id)
            if holder != self._worker_id:
                jobs_by_worker[holder].append(_text(job_id))
        if not jobs_by_worker:
            return []
        holders = list(jobs_by_worker)
        async with self._redis.pipeline(transaction=False) as pipe:
            for holder in holders:
                pipe.exists(self._keys.worker(holder))
            alive = await pipe.execute()
        requeued: list[str] = []
        for holder, is_alive in zip(holders, alive, strict=True):
            if not is_alive:
                requeued += await self._requeue(holder, jobs_by_worker[holder])
        if requeued:
            await self._redis.publish(self._keys.wake, b"")
        return requeued

    async def _requeue(self, holder: str, job_ids: list[str]) -> list[str]:
        keys = [
            self._keys.running,
            self._keys.worker(holder),
            *(Keys.arq_in_progress(job_id) for job_id in job_ids),
        ]
        args = [holder, *job_ids]
        requeued = [_text(job_id) for job_id in await self._script(keys=keys, args=args)]
        if requeued:
            logger.warning(
                "worker %s stopped renewing its heartbeat: re-queued its %d runs (%s)",
                holder,
                len(requeued),
                ", ".join(requeued[:10]) + (", ..." if len(requeued) > 10 else ""),
            )
        return requeued


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
