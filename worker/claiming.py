"""Claiming queued jobs: arq's start-up check for several jobs in one round trip.

arq claims each job it read from the queue with WATCH / EXISTS / ZSCORE / MULTI-PSETEX-EXEC,
four round trips per job, and that protocol was the largest share of a tiny run's time. The
script below does the same check and claim, atomically, for every job a worker has free
slots for: a job is claimed when no worker holds it (``arq:in-progress:<id>`` absent) and it
is still queued and due; the claim is that in-progress key with arq's lease. Workers running
arq's own protocol and workers running this one exclude each other through the same key.
"""

from __future__ import annotations

from collections.abc import Sequence

from arq.constants import in_progress_key_prefix
from redis.asyncio import Redis

# KEYS: the queue, then one in-progress key per job
# ARGV: now ms, lease ms, then one job id per job
# Returns, per job, its queue score as a string when claimed, else false.
_CLAIM = """
local now = tonumber(ARGV[1])
local claimed = {}
for i = 2, #KEYS do
    local score = redis.call('ZSCORE', KEYS[1], ARGV[i + 1])
    if score and tonumber(score) <= now and redis.call('EXISTS', KEYS[i]) == 0 then
        redis.call('SET', KEYS[i], '1', 'PX', ARGV[2])
        claimed[i - 1] = score
    else
        claimed[i - 1] = false
    end
end
return claimed
"""


class JobClaimer:
    """Claims jobs of one queue for one worker, several per round trip."""

    def __init__(self, redis: Redis, queue_name: str, lease_ms: int) -> None:
        self._script = redis.register_script(_CLAIM)
        self._queue_name = queue_name
        self._lease_ms = lease_ms

    async def claim(self, job_ids: Sequence[str], now_ms: int) -> list[int | None]:
        """Per job id, its queue score when this worker now holds it, else None (running
        elsewhere, finished, or re-queued for later)."""
        if not job_ids:
            return []
        keys = [self._queue_name, *(in_progress_key_prefix + job_id for job_id in job_ids)]
        args: list[str | int] = [now_ms, self._lease_ms, *job_ids]
        scores = await self._script(keys=keys, args=args)
        return [None if score is None else int(float(score)) for score in scores]
