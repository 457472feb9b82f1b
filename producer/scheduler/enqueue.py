"""Enqueueing `run_checkpoint` jobs atomically with the scheduler's bookkeeping.

One Lua script decides and writes in one step, so schedulers racing on the same firing agree:

1. a firing already decided (its ``fired`` marker, or arq's job or result key exists) is a
   ``duplicate`` and changes nothing;
2. unless the overlap policy is ``allow``, a checkpoint whose last job is still queued or
   running is ``skipped`` (counted in `Keys.overlap_skips`) or, with ``queue_latest``,
   ``deferred``: the firing replaces any earlier deferred one and starts when the run ended;
3. otherwise the job is written exactly as arq's `enqueue_job` writes it (``arq:job:<id>``
   with an expiry, the id in the queue's sorted set; the Lua helpers of `shared.arq_protocol`)
   and becomes the checkpoint's last job.

Every decision sets the firing's marker and, for ticks, advances the trigger's last tick.
The script reads the previous job's arq keys by a name built from a stored value, which a
single Redis (what arq supports) allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import uuid4

from redis.asyncio import Redis

from shared import codec
from shared.arq_protocol import JOB_EXPIRY_EXTRA_MS, current_ms, lua_script, pack_job
from shared.checkpoint import OverlapPolicy
from shared.enqueue import job_payload
from shared.errors import DecodeError, SignatureError
from shared.job import RUN_CHECKPOINT, RunRequest
from shared.keys import Keys
from shared.serializer import deserialize_job, serialize_job
from shared.trust.provenance import origin_kind
from shared.trust.signing import verify_payload

#: How long a decision is remembered, and how long a queued job may wait (arq's default).
DECISION_TTL_MS: int = JOB_EXPIRY_EXTRA_MS

# KEYS: fired marker, queue, last job, deferred run, skips hash, last tick, wake channel
# ARGV: job id, job bytes, score ms, ttl ms, overlap, checkpoint, tick us ('' when not a tick)
_SUBMIT = lua_script("""
if redis.call('EXISTS', KEYS[1]) > 0 or arq_id_taken(ARGV[1]) then
    return 'duplicate'
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[4])
if ARGV[7] ~= '' then
    local tick = redis.call('GET', KEYS[6])
    if (not tick) or tonumber(tick) < tonumber(ARGV[7]) then
        redis.call('SET', KEYS[6], ARGV[7])
    end
end
if ARGV[5] ~= 'allow' then
    local last = redis.call('GET', KEYS[3])
    if last and arq_job_active(last) then
        if ARGV[5] == 'queue_latest' then
            if redis.call('EXISTS', KEYS[4]) > 0 then
                redis.call('HINCRBY', KEYS[5], ARGV[6], 1)
            end
            redis.call('HSET', KEYS[4], 'job_id', ARGV[1], 'job', ARGV[2])
            redis.call('PEXPIRE', KEYS[4], ARGV[4])
            return 'deferred'
        end
        redis.call('HINCRBY', KEYS[5], ARGV[6], 1)
        return 'skipped'
    end
end
arq_write_job(KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[4])
redis.call('PUBLISH', KEYS[7], '')
return 'enqueued'
""")

# KEYS: deferred run, queue, last job, wake channel
# ARGV: score ms, ttl ms
_RELEASE = lua_script("""
local deferred = redis.call('HMGET', KEYS[1], 'job_id', 'job')
if not deferred[1] then
    return false
end
local last = redis.call('GET', KEYS[3])
if last and arq_job_active(last) then
    return false
end
redis.call('DEL', KEYS[1])
if arq_id_taken(deferred[1]) then
    return false
end
arq_write_job(KEYS[2], deferred[1], deferred[2], ARGV[1], ARGV[2])
redis.call('SET', KEYS[3], deferred[1], 'PX', ARGV[2])
redis.call('PUBLISH', KEYS[4], '')
return deferred[1]
""")


class Outcome(StrEnum):
    """What became of one firing."""

    ENQUEUED = "enqueued"
    #: Another scheduler (or an earlier attempt) decided about this firing already.
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True)
class Submission:
    """One firing to enqueue: its job id, the request, and how to treat an active run."""

    job_id: str
    request: RunRequest
    #: The checkpoint name the overlap policy and last job are kept under.
    checkpoint: str
    overlap: OverlapPolicy = OverlapPolicy.SKIP
    #: For time-based triggers: the tick and the trigger name, to advance its last tick.
    tick: datetime | None = None
    trigger: str = ""


def epoch_us(moment: datetime) -> int:
    """`moment` (timezone-aware) as whole microseconds since the epoch."""
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def job_bytes(request: RunRequest, enqueue_time_ms: int, signing_key: str | None = None) -> bytes:
    """The arq job `run_checkpoint(request)` as arq would store it, in msgpack (the request
    signed with `signing_key` when given)."""
    payload = job_payload(request, signing_key)
    return pack_job(RUN_CHECKPOINT, [payload], enqueue_time_ms, serialize_job)


class RunEnqueuer:
    """Submits firings of one fleet through one Redis client."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        on_outcome: Callable[[str, str], None] | None = None,
        origin: str | None = None,
        signing_key: str | None = None,
    ) -> None:
        self._redis = redis
        self._keys = keys
        #: Stamped on requests that name no origin of their own (``scheduler:<consumer>``).
        self.origin = origin
        self._signing_key = signing_key
        #: Told (checkpoint, outcome) of every submission: the scheduler's metrics.
        self._on_outcome = on_outcome
        self._submit = redis.register_script(_SUBMIT)
        self._release = redis.register_script(_RELEASE)

    async def submit(self, submission: Submission) -> Outcome:
        """Decide about one firing and write the decision (see the module docstring)."""
        now_ms = current_ms()
        job_id, checkpoint = submission.job_id, submission.checkpoint
        request = submission.request
        if request.origin is None and self.origin is not None:
            request = request.model_copy(update={"origin": self.origin})
        tick_us = "" if submission.tick is None else str(epoch_us(submission.tick))
        keys = [
            self._keys.fired(job_id),
            self._keys.queue,
            self._keys.last_job(checkpoint),
            self._keys.deferred_run(checkpoint),
            self._keys.overlap_skips,
            self._keys.last_tick(checkpoint, submission.trigger or "_"),
            self._keys.wake,
        ]
        args: list[Any] = [
            job_id,
            job_bytes(request, now_ms, self._signing_key),
            now_ms,
            DECISION_TTL_MS,
            submission.overlap.value,
            checkpoint,
            tick_us,
        ]
        reply = await self._submit(keys=keys, args=args)
        outcome = Outcome(_text(reply))
        if self._on_outcome is not None:
            self._on_outcome(checkpoint, outcome.value)
        return outcome

    async def squatter(self, submission: Submission) -> str | None:
        """After a ``duplicate``: who holds the firing's job id if it is not one of us (a
        scheduler, or client, sending the same checkpoint), else None. Someone who can write
        to Redis may enqueue the next ticks' ids first, with another spec under the same name."""
        job_id = submission.job_id
        raw = await self._redis.get(Keys.arq_job(job_id))
        if raw is not None:
            return self._foreign_job(raw, submission.request)
        stored = await self._redis.get(self._keys.run_result(job_id))
        if stored is None:
            return None  # decided (skipped, deferred) by another scheduler: a true duplicate
        try:
            result = codec.decode_result(stored)
        except DecodeError:
            return "a result that cannot be decoded"
        origin = result.provenance.get("origin")
        expected_inline = isinstance(submission.request.checkpoint, dict)
        if (
            result.checkpoint_name != submission.checkpoint
            or bool(result.provenance.get("inline")) != expected_inline
            or origin_kind(origin if isinstance(origin, str) else None) != self._origin_kind
        ):
            return f"a run from {origin or 'an unknown origin'} ({result.provenance})"
        return None

    @property
    def _origin_kind(self) -> str:
        return origin_kind(self.origin)

    def _foreign_job(self, raw: bytes, expected: RunRequest) -> str | None:
        job = deserialize_job(raw)
        args = job.get("a")
        payload = args[0] if job.get("f") == RUN_CHECKPOINT and isinstance(args, list) else None
        if not isinstance(payload, dict) or len(args or []) != 1:
            return f"a job that is no run request ({job.get('f')!r})"
        origin = payload.get("origin")
        if self._signing_key is not None:
            try:
                verify_payload(self._signing_key, payload, max_age_s=float("inf"))
            except SignatureError as exc:
                return f"a job from {origin or 'an unknown origin'} whose signature fails: {exc}"
        if (
            payload.get("checkpoint") != expected.checkpoint
            or origin_kind(origin if isinstance(origin, str) else None) != self._origin_kind
        ):
            return f"a job from {origin or 'an unknown origin'}"
        return None

    async def release_deferred(self, checkpoint: str) -> str | None:
        """Enqueue the checkpoint's deferred firing if its previous run ended; its job id."""
        keys = [
            self._keys.deferred_run(checkpoint),
            self._keys.queue,
            self._keys.last_job(checkpoint),
            self._keys.wake,
        ]
        args: list[Any] = [current_ms(), DECISION_TTL_MS]
        reply = await self._release(keys=keys, args=args)
        return None if reply is None else _text(reply)

    async def last_tick(self, checkpoint: str, trigger: str) -> int | None:
        """The last tick handled for a trigger, in epoch microseconds, if any."""
        raw = await self._redis.get(self._keys.last_tick(checkpoint, trigger))
        return None if raw is None else int(raw)

    async def remember_tick(self, checkpoint: str, trigger: str, moment: datetime) -> None:
        """Record `moment` as the trigger's last tick unless one is recorded already."""
        key = self._keys.last_tick(checkpoint, trigger)
        await self._redis.set(key, epoch_us(moment), nx=True)

    async def overlap_skips(self, checkpoint: str) -> int:
        """How many firings of the checkpoint the fleet skipped for overlap so far."""
        raw = await self._redis.hget(self._keys.overlap_skips, checkpoint)  # type: ignore[misc]
        return 0 if raw is None else int(raw)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def fresh_job_id(job_id: str) -> str:
    """A new id for a firing whose own id was squatted: readable, unique, a valid run id."""
    return f"{job_id[:180]}.{uuid4().hex[:12]}"
