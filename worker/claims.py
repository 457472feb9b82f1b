"""A waking worker's claim on the jobs it will run: one script reads the queue's due jobs, claims
each one no worker holds for the worker's free slots, and records each start.

arq's worker reads the queue (``ZRANGEBYSCORE``), then claims each job it read in four round
trips (WATCH / EXISTS / ZSCORE / MULTI-PSETEX-EXEC), and checkfleet's start record
(`worker.run_records`) took one more per job. Here the read, every claim and every start record
are one round trip, for as many jobs as the worker has free slots. Workers claiming this way and
arq's own exclude each other through the same ``arq:in-progress:<id>`` key.

A running job stays in arq's queue until it finishes, so the read looks past held jobs, over at
most arq's ``queue_read_limit`` entries, as arq's worker does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from shared.arq_protocol import lua_script
from worker.run_records import RECORD_START_LUA, StartRecords

# KEYS: the queue, the fleet's running hash.
# ARGV: now ms, lease ms, jobs wanted, queue entries to skip, queue entries to read, worker id
#       ('' to record no start), start counter key prefix, start counter ttl s.
# Returns, per job claimed: its id, its queue score, and how many of its earlier starts never
# finished (the deaths `worker.run_records` counts).
_CLAIM_DUE = lua_script(
    RECORD_START_LUA
    + """
local now, lease, wanted = ARGV[1], ARGV[2], tonumber(ARGV[3])
local worker, starts_prefix, starts_ttl = ARGV[6], ARGV[7], ARGV[8]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES',
                       'LIMIT', ARGV[4], ARGV[5])
local claimed, count = {}, 0
for i = 1, #due, 2 do
    local job_id = due[i]
    if arq_take_job(job_id, lease) then
        local before = 0
        if worker ~= '' then
            before = record_start(starts_prefix .. job_id, KEYS[2], job_id, worker, starts_ttl)
        end
        claimed[#claimed + 1] = job_id
        claimed[#claimed + 1] = due[i + 1]
        claimed[#claimed + 1] = before
        count = count + 1
        if count >= wanted then
            break
        end
    end
end
return claimed
"""
)


@dataclass(frozen=True)
class Claim:
    """A job this worker now holds."""

    #: As queued: bytes, since a hostile id need not be text.
    job_id: bytes
    score: int
    #: Its earlier starts that never finished (0 when no start is recorded).
    deaths: int


class JobClaimer:
    """Claims the due jobs of one queue for one worker, as many as it has slots for, in one
    round trip; with `records`, records each start in the same step."""

    def __init__(
        self,
        redis: Redis,
        queue_name: str,
        lease_ms: int,
        records: StartRecords | None = None,
    ) -> None:
        self._script = redis.register_script(_CLAIM_DUE)
        self._queue_name = queue_name
        self._lease_ms = lease_ms
        self._records = records

    async def claim_due(
        self, wanted: int, now_ms: int, *, read_limit: int, read_offset: int = 0
    ) -> list[Claim]:
        """Up to `wanted` jobs due by `now_ms` that no worker held, now held by this one,
        looking at most at `read_limit` queue entries (after `read_offset`)."""
        if wanted <= 0:
            return []
        records = self._records
        running_key = "" if records is None else records.running_key
        args: list[str | int] = [
            now_ms,
            self._lease_ms,
            wanted,
            read_offset,
            read_limit,
            "" if records is None else records.worker_id,
            "" if records is None else records.starts_prefix,
            0 if records is None else records.starts_ttl_s,
        ]
        # Without records the second key is never touched; the queue stands in for it.
        flat: Sequence[bytes | int] = await self._script(
            keys=[self._queue_name, running_key or self._queue_name], args=args
        )
        return [
            Claim(_as_bytes(flat[index]), int(float(flat[index + 1])), int(flat[index + 2]))
            for index in range(0, len(flat), 3)
        ]


def _as_bytes(value: bytes | int | str) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()
