"""`RedisFiringDecider`: firings decided on the fleet, atomically with the run's enqueue.

One Lua script decides and writes in one step, so schedulers racing on the same firing agree:

1. a firing already decided (its ``fired`` marker, or arq's job or result key exists) is a
   ``duplicate`` and changes nothing;
2. unless the overlap policy is ``allow``, a checkpoint whose last job is still queued or
   running is ``skipped`` (counted in `Keys.overlap_skips`) or, with ``queue_latest``,
   ``deferred``: the firing replaces any earlier deferred one and starts when the run ended;
3. otherwise the run is enqueued: its job (`shared.enqueue.run_job_bytes`, the one job
   shape) is written exactly as arq's `enqueue_job` writes it (the Lua helpers of
   `shared.arq_protocol`) and becomes the checkpoint's last job.

Every decision sets the firing's marker and, for ticks, advances the trigger's last tick.
The script reads the previous job's arq keys by a name built from a stored value, which a
single Redis (what arq supports) allows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from shared.arq_protocol import JOB_EXPIRY_EXTRA_MS, current_ms, lua_script
from shared.enqueue import run_job_bytes
from shared.firing.base import Firing, Outcome, epoch_us
from shared.firing.squatters import find_squatter
from shared.keys import Keys

#: How long a decision is remembered, and how long a queued job may wait (arq's default).
DECISION_TTL_MS: int = JOB_EXPIRY_EXTRA_MS

# KEYS: fired marker, queue, last job, deferred run, skips hash, last tick, wake channel
# ARGV: job id, job bytes, score ms, ttl ms, overlap, checkpoint, tick us ('' when not a tick)
_DECIDE = lua_script("""
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


class RedisFiringDecider:
    """Decides the firings of one fleet through one Redis client (a `FiringDecider`)."""

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
        #: Told (checkpoint, outcome) of every decision: the scheduler's metrics.
        self._on_outcome = on_outcome
        self._decide = redis.register_script(_DECIDE)
        self._release = redis.register_script(_RELEASE)

    async def decide(self, firing: Firing) -> Outcome:
        """Decide about one firing and write the decision (see the module docstring)."""
        now_ms = current_ms()
        job_id, checkpoint = firing.job_id, firing.checkpoint
        request = firing.request
        if request.origin is None and self.origin is not None:
            request = request.model_copy(update={"origin": self.origin})
        tick_us = "" if firing.tick is None else str(epoch_us(firing.tick))
        keys = [
            self._keys.fired(job_id),
            self._keys.queue,
            self._keys.last_job(checkpoint),
            self._keys.deferred_run(checkpoint),
            self._keys.overlap_skips,
            self._keys.last_tick(checkpoint, firing.trigger or "_"),
            self._keys.wake,
        ]
        args: list[Any] = [
            job_id,
            run_job_bytes(request, now_ms, self._signing_key),
            now_ms,
            DECISION_TTL_MS,
            firing.overlap.value,
            checkpoint,
            tick_us,
        ]
        reply = await self._decide(keys=keys, args=args)
        outcome = Outcome(_text(reply))
        if self._on_outcome is not None:
            self._on_outcome(checkpoint, outcome.value)
        return outcome

    async def squatter(self, firing: Firing) -> str | None:
        """After a ``duplicate``: whoever else holds the firing's id (`shared.firing.squatters`)."""
        return await find_squatter(
            self._redis, self._keys, firing, origin=self.origin, signing_key=self._signing_key
        )

    def run_finished(self, job_id: str) -> None:
        """Nothing to do: the script sees a run's end in arq's keys."""

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
