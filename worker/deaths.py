"""Jobs that kill their worker: counted, and dead-lettered instead of run forever.

A job start is counted in `Keys.job_starts` and the count is removed when the job ends (or
taken back when it is cancelled, as at a graceful shutdown, which re-queues it). A count that
survives means a worker died running the job (killed, out of memory, ``os._exit`` in user
code); arq re-runs such a job once its lease expires. When a job is started again after
`Settings.max_worker_deaths` such deaths, it is not run: it gets one dead letter and one
`error` result instead.
"""

from __future__ import annotations

from redis.asyncio import Redis

from shared.keys import Keys

#: A start count outlives any lease of a job that is still to be retried (arq's retry key
#: lives as long).
STARTS_TTL_S = 88_400

# KEYS: the start counter. ARGV: its ttl s. Returns the starts before this one.
_START = """
local before = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[1], before + 1, 'EX', ARGV[1])
return before
"""


class DeathCounter:
    """Counts the unfinished starts of jobs of one fleet."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._start = redis.register_script(_START)

    async def started(self, job_id: str) -> int:
        """Record a start of `job_id`; how many earlier starts never finished (deaths)."""
        before = await self._start(keys=[self._keys.job_starts(job_id)], args=[STARTS_TTL_S])
        return int(before)

    async def finished(self, job_id: str) -> None:
        """The job ended (with any result): forget its starts."""
        await self._redis.delete(self._keys.job_starts(job_id))

    async def interrupted(self, job_id: str) -> None:
        """The job was cancelled and will run again: this start was no death."""
        await self._redis.decr(self._keys.job_starts(job_id))
