"""The record, in Redis, of the jobs a worker runs: written by the claim that takes a job
(`worker.claims`, `StartRecords`), and ended by the publication of the job's result
(`shared.publishing.JobEnding`), so the bookkeeping costs a run no round trip of its own. A job
started without such a claim (its function called directly) records its start in a script.

Two things are recorded per job, in the same step:
- `Keys.running` (job id -> worker id): the fleet re-queues the jobs of a worker whose
  heartbeat expired (`worker.reaper`), and a client tells a run still running from one Redis
  lost;
- `Keys.job_starts`: how often the job was started without finishing. A count that survives
  means a worker died running it (killed, out of memory, ``os._exit`` in user code), whether
  the job then came back through the reaper or through arq's lease; when a job is started
  again after `Settings.max_worker_deaths` such deaths it is not run (`worker.jobs`: one dead
  letter and one `error` result). A cancelled job (a graceful shutdown re-queues it) takes its
  start back: that was no death.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.keys import Keys
from shared.publishing import JobEnding

logger = logging.getLogger(__name__)

#: A start count outlives any lease of a job that is still to be retried (arq's retry key
#: lives as long).
STARTS_TTL_S = 88_400
#: The longest the end of a job waits for Redis: at shutdown Redis may be away, and an entry
#: left behind is harmless (see `RunRecords.finished`).
END_TIMEOUT_S = 2.0

#: Lua ``record_start(starts key, running key, job id, worker id, ttl s)``: counts the job's
#: start and writes its running entry; returns the starts before this one that never finished.
#: The claim (`worker.claims`) records with it too.
RECORD_START_LUA = """
local function record_start(starts, running, job_id, worker, ttl)
    local before = tonumber(redis.call('GET', starts)) or 0
    redis.call('SET', starts, before + 1, 'EX', ttl)
    redis.call('HSET', running, job_id, worker)
    return before
end
"""

# KEYS: the job's start counter, the running hash. ARGV: job id, worker id, counter ttl s.
_START = RECORD_START_LUA + "return record_start(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])\n"

# KEYS: the job's start counter, the running hash. ARGV: job id, worker id, and "1" when the
# job will run again (its start is taken back) or "0" when it finished (its starts forgotten).
# Only this worker's own running entry is removed: another worker may have taken the job over
# after this one was thought dead.
_END = """
if ARGV[3] == '1' then
    if tonumber(redis.call('DECR', KEYS[1])) <= 0 then
        redis.call('DEL', KEYS[1])
    end
else
    redis.call('DEL', KEYS[1])
end
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then
    redis.call('HDEL', KEYS[2], ARGV[1])
end
return 1
"""


@dataclass(frozen=True)
class StartRecords:
    """Where a claim records the start of each job it takes (`RECORD_START_LUA`)."""

    #: The fleet's running hash (`Keys.running`).
    running_key: str
    #: `Keys.job_starts` of the empty id: the start counter of job ``id`` is this plus ``id``.
    starts_prefix: str
    worker_id: str
    starts_ttl_s: int


class RunRecords:
    """The jobs one worker runs: recorded in Redis at their start and end, and kept here."""

    def __init__(self, redis: Redis, keys: Keys, worker_id: str) -> None:
        self._redis = redis
        self._keys = keys
        self._worker_id = worker_id
        self._start = redis.register_script(_START)
        self._end = redis.register_script(_END)
        #: The jobs this worker runs now, to record again if Redis loses the record.
        self.running: set[str] = set()
        #: Deaths of jobs whose claim recorded their start, until the job asks (`started`).
        self._claimed: dict[str, int] = {}

    def start_records(self) -> StartRecords:
        """What a claim needs to record the starts of the jobs it takes (`claimed`)."""
        return StartRecords(
            self._keys.running, self._keys.job_starts(""), self._worker_id, STARTS_TTL_S
        )

    def claimed(self, job_id: str, deaths: int) -> None:
        """A claim recorded that this worker runs `job_id`, after `deaths` unfinished starts."""
        self.running.add(job_id)
        self._claimed[job_id] = deaths

    async def started(self, job_id: str) -> int:
        """Record that this worker runs `job_id` (unless its claim did); how many earlier
        starts never finished (deaths)."""
        deaths = self._claimed.pop(job_id, None)
        if deaths is not None:
            return deaths
        self.running.add(job_id)
        keys = [self._keys.job_starts(job_id), self._keys.running]
        before = await self._start(keys=keys, args=[job_id, self._worker_id, STARTS_TTL_S])
        return int(before)

    def ending(self, job_id: str) -> JobEnding:
        """The end of `job_id`'s record, for the publication of its result to carry out
        (`ResultPublisher.publish`); `ended` once that succeeded."""
        return JobEnding(self._keys.job_starts(job_id), self._keys.running, job_id, self._worker_id)

    def held_ending(self, job_id: str) -> JobEnding | None:
        """`ending`, while this worker holds a record of `job_id` to end; else None."""
        return self.ending(job_id) if job_id in self.running else None

    def ended(self, job_id: str) -> None:
        """The publication of `job_id`'s result ended its record: `finished` has nothing left
        to do."""
        self.running.discard(job_id)
        self._claimed.pop(job_id, None)

    async def finished(self, job_id: str) -> None:
        """The job ended, with any result: forget it (unless its publication did)."""
        if job_id in self.running:
            await self._forget(job_id, runs_again=False)

    async def interrupted(self, job_id: str) -> None:
        """The job was cancelled and will run again (arq re-queues it): this start, if
        recorded, was no death."""
        if job_id in self.running:
            await self._forget(job_id, runs_again=True)

    async def record_again(self) -> None:
        """Write the running entries of this worker again (after Redis lost its data)."""
        if self.running:
            mapping = dict.fromkeys(self.running, self._worker_id)
            await self._redis.hset(self._keys.running, mapping=mapping)  # type: ignore[misc]

    async def _forget(self, job_id: str, *, runs_again: bool) -> None:
        self.running.discard(job_id)
        self._claimed.pop(job_id, None)
        keys = [self._keys.job_starts(job_id), self._keys.running]
        try:
            async with asyncio.timeout(END_TIMEOUT_S):
                await self._end(keys=keys, args=[job_id, self._worker_id, int(runs_again)])
        except (RedisError, OSError, TimeoutError) as exc:
            # Left behind, the running entry is re-queued once this worker's heartbeat
            # expires, and the job is finished by then, so nothing runs again; a start left
            # counted expires with its counter.
            logger.warning("cannot record the end of job %s: %s", job_id, exc or "timed out")
