"""Writing results and dead letters to Redis.

Exactly one results-stream entry per run id: the publish script records the run as published
and appends the entry in one atomic step, so a job that is retried, or re-run after its worker
died, cannot publish twice. The marker holds the entry id and lives as long as the per-run copy
of the result (`Settings.result_ttl_s`).

A run whose request named a reply stream (``reply_to``, a `Keys.replies` key) gets the same
entry appended there in the same step, once: the stream is capped (`REPLY_MAXLEN`) and expires
`REPLY_TTL_S` after its last entry, so an abandoned client leaves nothing behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from shared import codec
from shared.keys import Keys
from shared.logs import escape_control
from shared.models import CheckpointResult
from shared.settings import Settings
from shared.trust.limits import bound_result, truncate_bytes, truncate_text
from shared.trust.redaction import process_redactor, redact_result

logger = logging.getLogger(__name__)

#: Stream field names of a results entry: part of the public wire contract.
RESULT_FIELDS = ("run_id", "checkpoint", "status", "v", "result")
#: Approximate cap of the dead-letter stream: it is for inspection, not an archive.
DEAD_LETTER_MAXLEN = 10_000
#: Approximate cap of a client's reply stream: its reader keeps up, this bounds a dead one.
REPLY_MAXLEN = 10_000
#: A reply stream nobody wrote to for this long is dropped (its client is gone).
REPLY_TTL_S = 3_600

# Lua ``end_record(starts key, running key, job id, worker id)``: ends a worker's record of a
# job (`JobEnding`): its start counter goes, and its running entry if still that worker's.
_END_RECORD_LUA = """
local function end_record(starts, running, job_id, worker)
    redis.call('DEL', starts)
    if redis.call('HGET', running, job_id) == worker then
        redis.call('HDEL', running, job_id)
    end
end
"""

# KEYS: published marker, results stream, per-run result copy[, reply stream][, the job's start
#       counter, the running hash]
# ARGV: ttl ms, maxlen, run_id, checkpoint, status, schema version, packed result,
#       reply maxlen, reply ttl ms, "1" with a reply stream, job id and worker id of a job ending
_PUBLISH_ONCE = (
    _END_RECORD_LUA
    + """
local ending = 4
if ARGV[10] == '1' then
    ending = 5
end
if ARGV[11] then
    end_record(KEYS[ending], KEYS[ending + 1], ARGV[11], ARGV[12])
end
local existing = redis.call('GET', KEYS[1])
if existing then
    return {0, existing}
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
    'run_id', ARGV[3], 'checkpoint', ARGV[4], 'status', ARGV[5], 'v', ARGV[6], 'result', ARGV[7])
redis.call('SET', KEYS[1], id, 'PX', ARGV[1])
redis.call('SET', KEYS[3], ARGV[7], 'PX', ARGV[1])
if ARGV[10] == '1' then
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*', 'run_id', ARGV[3],
        'checkpoint', ARGV[4], 'status', ARGV[5], 'v', ARGV[6], 'result', ARGV[7])
    redis.call('PEXPIRE', KEYS[4], ARGV[9])
end
return {1, id}
"""
)


@dataclass(frozen=True, slots=True)
class JobEnding:
    """A worker's record of a job (`worker.run_records`), ended in the same step as the
    publication of the job's result, which saves the run a round trip: the job's start counter
    is deleted and its running entry removed if it is still this worker's."""

    starts_key: str
    running_key: str
    job_id: str
    worker_id: str


# KEYS: the dead-letter stream, the job's start counter, the running hash.
# ARGV: maxlen, job id, worker id, then the entry's field / value pairs.
_DEAD_LETTER_ENDING = (
    _END_RECORD_LUA
    + """
end_record(KEYS[2], KEYS[3], ARGV[2], ARGV[3])
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 4))
"""
)


@dataclass(frozen=True, slots=True)
class Publication:
    """Where a result went: its stream entry id, and whether this call appended it."""

    entry_id: str
    appended: bool


class ResultPublisher:
    """Publishes results of one fleet (one key prefix) through one Redis client."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self._redis = redis
        self._keys: Keys = settings.keys
        self._maxlen = settings.results_maxlen
        self._ttl_ms = int(settings.result_ttl_s * 1000)
        self._script = redis.register_script(_PUBLISH_ONCE)
        self._dead_letter_ending = redis.register_script(_DEAD_LETTER_ENDING)

    async def publish(
        self,
        result: CheckpointResult,
        *,
        reply_to: str | None = None,
        ending: JobEnding | None = None,
    ) -> Publication:
        """Append `result` to the results stream unless its run id was published already;
        also to `reply_to` (a reply stream of this fleet, checked by the caller). `ending`
        ends the record of the job that ran it in the same step (published already or not).

        The result is first bounded in size and cleared of every secret this process knows
        (`shared.trust`), so no run can publish a secret or an oversized entry."""
        # Redacted first: the bounded encoding is what is sent.
        result, encoded = bound_result(redact_result(result))
        keys = [
            self._keys.published(result.run_id),
            self._keys.results,
            self._keys.run_result(result.run_id),
        ]
        if reply_to is not None:
            keys.append(reply_to)
        if ending is not None:
            keys += [ending.starts_key, ending.running_key]
        args: list[str | int | bytes] = [
            self._ttl_ms,
            self._maxlen,
            result.run_id,
            result.checkpoint_name,
            result.status.value,
            codec.SCHEMA_VERSION,
            encoded,
            REPLY_MAXLEN,
            REPLY_TTL_S * 1000,
            int(reply_to is not None),
        ]
        if ending is not None:
            args += [ending.job_id, ending.worker_id]
        appended, entry_id = await self._script(keys=keys, args=args)
        entry = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        if not appended:
            logger.info(
                "run %s was already published as %s; not publishing again", result.run_id, entry
            )
        return Publication(entry_id=entry, appended=bool(appended))

    async def dead_letter(self, reason: str, payload: bytes, *, source: str, **fields: str) -> str:
        """Keep a message that could not become a run, with the reason, for an operator.

        Only checkfleet's own code paths call this. The reason is bounded and the payload cut
        to `MAX_DEAD_LETTER_PAYLOAD_BYTES`; secrets are redacted from both."""
        return await self._dead_letter(reason, payload, source, fields, None)

    async def dead_letter_job(self, reason: str, payload: bytes, ending: JobEnding) -> str:
        """`dead_letter` of a job (source ``job``, its id), which also ends the job's record
        (`ending`) in the same step, as `publish` does for a result."""
        fields = {"job_id": ending.job_id}
        return await self._dead_letter(reason, payload, "job", fields, ending)

    async def _dead_letter(
        self,
        reason: str,
        payload: bytes,
        source: str,
        fields: dict[str, str],
        ending: JobEnding | None,
    ) -> str:
        redactor = process_redactor()
        reason = redactor.redact(truncate_text(reason))
        payload = redactor.redact_bytes(truncate_bytes(payload))
        fields = {
            name: redactor.redact(truncate_text(value, 300)) for name, value in fields.items()
        }
        entry: dict[Any, Any] = {"reason": reason, "source": source, "payload": payload, **fields}
        if ending is None:
            entry_id = await self._redis.xadd(
                self._keys.dead, entry, maxlen=DEAD_LETTER_MAXLEN, approximate=True
            )
        else:
            pairs = [part for field, value in entry.items() for part in (field, value)]
            entry_id = await self._dead_letter_ending(
                keys=[self._keys.dead, ending.starts_key, ending.running_key],
                args=[DEAD_LETTER_MAXLEN, ending.job_id, ending.worker_id, *pairs],
            )
        logger.warning("dead-lettered a message from %s: %s", source, escape_control(reason))
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
