"""Noticing that Redis lost its data, so that loss is never silent.

A Redis restarted without persistence, flushed, or replaced by an empty replica answers as if
nothing happened: queued runs, unread results and every marker are simply gone. Each
long-lived process therefore adopts the fleet's epoch (`Keys.epoch`, written once by whoever
finds it missing, no expiry) at start-up and compares it at every check (each heartbeat for a
worker): an epoch that vanished or changed means the data it was written with is gone, and
the process logs an ERROR naming what may be lost, then adopts the new epoch.

A failover to a replica that lagged behind keeps the epoch (it was replicated long ago) but
loses the master's last writes. Each check therefore also notes the master's replication
history (``INFO replication``: its replication id and offset). A promoted replica takes a new
replication id and names the one it continued (``master_replid2``) and where its copy of that
history ends (``second_repl_offset``): when this process saw the old master at a later offset,
the writes in between are gone, and the check logs an ERROR naming what may be lost and since
when. What this cannot see: writes made after this process's last check (at most a heartbeat
earlier), which are lost without a word when the replica missed only those; a history it
cannot trace (a restart with persistence keeps the epoch and starts a new replication id:
nothing is said); and which runs in particular were hit. Clients still learn of each lost
run: its wait ends in an `error` result (`RunLostError`, or the wait's timeout).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError

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


#: Observations of the master's replication offset kept, to tell since when writes were lost.
KEPT_OFFSETS = 64


@dataclass(frozen=True, slots=True)
class _Seen:
    """The master's replication history at one check: its id, its offset, and when."""

    replid: str
    offset: int
    at: float  # time.time()


class ReplicationWatch:
    """Notices a failover that lost writes this process saw made (see the module docstring)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._seen: deque[_Seen] = deque(maxlen=KEPT_OFFSETS)
        self._usable = True

    def forget(self) -> None:
        """Start afresh (the data is gone anyway: the epoch said so)."""
        self._seen.clear()

    async def lost_writes(self) -> str | None:
        """What a failover since the last check lost, as a sentence, or None."""
        if not self._usable:
            return None
        try:
            info = await self._redis.info("replication")
        except ResponseError:  # INFO not allowed to this user: the epoch check still runs
            self._usable = False
            return None
        if info.get("role") != "master" or not info.get("master_replid"):
            return None
        now = _Seen(str(info["master_replid"]), int(info.get("master_repl_offset", 0)), time.time())
        last = self._seen[-1] if self._seen else None
        if last is not None and now.replid != last.replid:
            history = [seen for seen in self._seen if seen.replid == last.replid]
            self._seen.clear()
            self._seen.append(now)
            if str(info.get("master_replid2")) != last.replid:
                return None  # a history we cannot trace (a restart): the epoch decides
            # second_repl_offset is the first offset of the old history the new master lacks.
            kept_until = int(info.get("second_repl_offset", 0)) - 1
            if last.offset <= kept_until:
                return None
            first = next(seen for seen in history if seen.offset > kept_until)
            # Older observations were dropped (KEPT_OFFSETS): the loss may start before them.
            when = "before" if first is history[0] and len(history) == KEPT_OFFSETS else "about"
            return (
                f"a failover lost writes: the new master's copy of the old one's history ends"
                f" at offset {kept_until}, this process saw it at {last.offset}, so at least"
                f" {last.offset - kept_until} bytes of writes made since {when}"
                f" {_clock(first.at)} UTC are gone"
            )
        self._seen.append(now)
        return None


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(at))


class EpochWatch:
    """One process's view of the fleet's epoch. `what_else` names what this kind of process
    itself loses (a worker's runs in flight, a scheduler's trigger state)."""

    def __init__(self, redis: Redis, keys: Keys, *, role: str, what_else: str = "") -> None:
        self._redis = redis
        self._keys = keys
        self._role = role
        self._what_else = what_else
        self._replication = ReplicationWatch(redis)
        self.epoch: str | None = None

    async def adopt(self) -> str:
        self.epoch = await current_epoch(self._redis, self._keys)
        await self._replication.lost_writes()  # notes where the master's history stands
        return self.epoch

    async def check(self) -> bool:
        """Whether Redis lost data since the last check, all of it or a failover's last
        writes (logged as an ERROR)."""
        if self.epoch is None:
            await self.adopt()
            return False
        seen = _text(await self._redis.get(self._keys.epoch))
        also = f"; {self._what_else}" if self._what_else else ""
        if seen == self.epoch:
            lost = await self._replication.lost_writes()
            if lost is None:
                return False
            logger.error(
                "Redis lost data: %s. Lost, possibly: %s%s. Clients waiting for lost runs get"
                " an error result",
                lost,
                FLEET_LOSS,
                also,
            )
            return True
        previous = self.epoch
        self._replication.forget()
        await self.adopt()
        found = f"replaced by {seen}" if seen else "missing"
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
