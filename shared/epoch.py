"""Noticing that Redis lost its data, so that loss is never silent.

A Redis restarted without persistence, flushed, or replaced by an empty replica answers as if
nothing happened: queued runs, unread results and every marker are simply gone. Each
long-lived process therefore adopts the fleet's epoch (`Keys.epoch`, written once by whoever
finds it missing, no expiry) at start-up and compares it at every check (each heartbeat for a
worker): an epoch that vanished or changed means the data it was written with is gone, and
the process logs an ERROR naming what may be lost, then adopts the new epoch.
"""

from __future__ import annotations

import logging
import uuid

from redis.asyncio import Redis

from shared.keys import Keys
from shared.models import utc_now

logger = logging.getLogger(__name__)

#: What any Redis data loss may take with it, whoever notices it.
FLEET_LOSS = (
    "runs queued and not yet started, runs running on workers that died meanwhile, results "
    "not yet read from the results stream, requests not yet read from the request stream, "
    "the once-only markers of published results and completed actions"
)


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


async def current_epoch(redis: Redis, keys: Keys) -> str:
    """The fleet's epoch, written now if it is missing (first start, or data lost)."""
    fresh = f"{utc_now().isoformat()}/{uuid.uuid4().hex[:8]}"
    await redis.set(keys.epoch, fresh, nx=True)
    epoch = _text(await redis.get(keys.epoch))
    return epoch or fresh


class EpochWatch:
    """One process's view of the fleet's epoch. `what_else` names what this kind of process
    itself loses (a worker's runs in flight, a scheduler's trigger state)."""

    def __init__(self, redis: Redis, keys: Keys, *, role: str, what_else: str = "") -> None:
        self._redis = redis
        self._keys = keys
        self._role = role
        self._what_else = what_else
        self.epoch: str | None = None

    async def adopt(self) -> str:
        self.epoch = await current_epoch(self._redis, self._keys)
        return self.epoch

    async def check(self) -> bool:
        """Whether Redis lost its data since the last check (logged as an ERROR)."""
        if self.epoch is None:
            await self.adopt()
            return False
        seen = _text(await self._redis.get(self._keys.epoch))
        if seen == self.epoch:
            return False
        previous = self.epoch
        await self.adopt()
        found = f"replaced by {seen}" if seen else "missing"
        also = f"; {self._what_else}" if self._what_else else ""
        logger.error(
            "Redis lost its data: the fleet epoch %s is %s (a restart without persistence, a "
            "flush, or a failover to an empty replica?). Lost, possibly: %s%s. Clients waiting "
            "for lost runs get an error result; new epoch %s",
            previous,
            found,
            FLEET_LOSS,
            also,
            self.epoch,
        )
        return True
