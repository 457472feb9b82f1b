"""`RedisAlerts`: alert state, rate limits and dedup windows shared by every worker of a
fleet, each decided by one atomic Redis command or script (keys from `shared.keys`)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from shared.keys import Keys
from shared.models import CheckpointStatus

# KEYS[1] the checkpoint's alert state (hash); ARGV run id, status. Returns the previous
# status ('' for none). The same run id again answers what it answered the first time.
TRANSITION_SCRIPT = """
local state = KEYS[1]
if redis.call('HGET', state, 'run_id') == ARGV[1] then
    return redis.call('HGET', state, 'previous') or ''
end
local previous = redis.call('HGET', state, 'status') or ''
redis.call('HSET', state, 'run_id', ARGV[1], 'status', ARGV[2], 'previous', previous)
return previous
"""

# GCRA: KEYS[1] holds the channel's theoretical arrival time (ms, Redis clock, so every
# worker agrees). ARGV interval ms, burst, max wait ms. Returns the wait in ms before sending,
# or -1 (and reserves nothing) when it would exceed the max wait.
RESERVE_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local arrival = tonumber(redis.call('GET', KEYS[1]) or now)
if arrival < now then arrival = now end
local wait = arrival + interval - burst * interval - now
if wait > tonumber(ARGV[3]) then return -1 end
if wait < 0 then wait = 0 end
local next_arrival = arrival + interval
redis.call('SET', KEYS[1], next_arrival, 'PX', math.ceil(next_arrival - now) + 1000)
return wait
"""


class RedisAlerts:
    """`Alerts` in the fleet's Redis."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._transition: Any = redis.register_script(TRANSITION_SCRIPT)
        self._reserve: Any = redis.register_script(RESERVE_SCRIPT)

    async def transition(
        self, checkpoint: str, run_id: str, status: CheckpointStatus
    ) -> CheckpointStatus | None:
        previous = await self._transition(
            keys=[self._keys.alert_state(checkpoint)], args=[run_id, status.value]
        )
        text = previous.decode() if isinstance(previous, bytes) else str(previous or "")
        return CheckpointStatus(text) if text in _STATUSES else None

    async def reserve(
        self, channel: str, *, rate_per_s: float, burst: int, max_wait_s: float
    ) -> float | None:
        interval_ms = max(1, round(1000 / rate_per_s))
        wait_ms = await self._reserve(
            keys=[self._keys.rate_limit(channel)],
            args=[interval_ms, max(1, burst), int(max_wait_s * 1000)],
        )
        return None if int(wait_ms) < 0 else int(wait_ms) / 1000

    async def first_in_window(self, channel: str, fingerprint: str, window_s: float) -> bool:
        first = await self._redis.set(
            self._keys.notification_dedup(channel, fingerprint),
            b"1",
            nx=True,
            px=max(1, int(window_s * 1000)),
        )
        return bool(first)


_STATUSES = {status.value for status in CheckpointStatus}
