"""`ResultStream`: reading the fleet's results stream (`Keys.results`) from a service that only
consumes results.

Two ways to read, as Redis streams offer:
- fan-out (`follow`): every reader sees every entry, from an id it chooses; `last_id` is the
  id to resume from after a reconnect or a restart of the reader, so nothing is skipped;
- a consumer group (`ResultGroup`): each entry goes to one consumer of the group, stays
  pending until `ack`, and entries a dead consumer left pending are reclaimed by another
  after `claim_idle_s` (`reclaim`, also done by `consume`).

Entries whose ``result`` cannot be decoded are yielded with `result` None and the reason in
`error`, never raised: a reader must not stall on one bad entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from shared import codec
from shared.errors import DecodeError
from shared.keys import Keys
from shared.models import CheckpointResult

logger = logging.getLogger(__name__)

#: Read from the start of the stream / only entries added from now on.
FROM_START = "0-0"
FROM_NOW = "$"


@dataclass(frozen=True, slots=True)
class ResultEntry:
    """One entry of the results stream."""

    entry_id: str
    run_id: str
    checkpoint: str
    status: str
    result: CheckpointResult | None
    error: str | None = None


def parse_entry(entry_id: Any, fields: dict[Any, Any]) -> ResultEntry:
    """A stream entry as a `ResultEntry`; a bad ``result`` field gives ``result=None``."""
    text = {_text(key): value for key, value in fields.items()}
    result: CheckpointResult | None = None
    error = None
    try:
        result = codec.decode_result(text["result"])
    except KeyError:
        error = "the entry has no result field"
    except DecodeError as exc:
        error = str(exc)
    return ResultEntry(
        entry_id=_text(entry_id),
        run_id=_text(text.get("run_id", b"")),
        checkpoint=_text(text.get("checkpoint", b"")),
        status=_text(text.get("status", b"")),
        result=result,
        error=error,
    )


class ResultStream:
    """Fan-out reader of the results stream, resumable from `last_id`."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys | None = None,
        *,
        after_id: str = FROM_NOW,
        block_ms: int = 1000,
        count: int = 100,
    ) -> None:
        self._redis = redis
        self.stream = (keys or Keys()).results
        #: The id of the last entry handed out: pass it as `after_id` to resume.
        self.last_id = after_id
        self._block_ms = block_ms
        self._count = count

    async def read(self) -> list[ResultEntry]:
        """The entries after `last_id` (waiting up to `block_ms` for some); advances it."""
        if self.last_id == FROM_NOW:
            # Pin "now" to a concrete id, so a reconnect resumes from here, not from a new now.
            info = await self._redis.xinfo_stream(self.stream) if await self._exists() else None
            self.last_id = _text(info["last-generated-id"]) if info else FROM_START
        reply = await self._redis.xread(
            {self.stream: self.last_id}, count=self._count, block=self._block_ms
        )
        entries = [
            parse_entry(entry_id, fields) for _s, batch in reply or [] for entry_id, fields in batch
        ]
        if entries:
            self.last_id = entries[-1].entry_id
        return entries

    async def follow(self) -> AsyncIterator[ResultEntry]:
        """Every entry after `last_id`, forever; a lost connection is retried with a backoff
        and reading resumes from `last_id`, so no entry is skipped or repeated."""
        delay_s = 0.1
        while True:
            try:
                entries = await self.read()
            except RedisError as exc:
                logger.warning(
                    "results stream: %s; resuming from %s in %.1f s", exc, self.last_id, delay_s
                )
                await asyncio.sleep(delay_s)
                delay_s = min(delay_s * 2, 2.0)
                continue
            delay_s = 0.1
            for entry in entries:
                yield entry

    async def _exists(self) -> bool:
        return bool(await self._redis.exists(self.stream))


class ResultGroup:
    """One consumer of a consumer group on the results stream; entries need `ack`."""

    def __init__(
        self,
        redis: Redis,
        group: str,
        consumer: str,
        keys: Keys | None = None,
        *,
        start_id: str = FROM_START,
        claim_idle_s: float = 60.0,
        block_ms: int = 1000,
        count: int = 100,
    ) -> None:
        self._redis = redis
        self.stream = (keys or Keys()).results
        self.group = group
        self.consumer = consumer
        self._start_id = start_id
        self._claim_idle_ms = int(claim_idle_s * 1000)
        self._block_ms = block_ms
        self._count = count

    async def ensure_group(self) -> None:
        """Create the group (and the stream) if missing; reading from `start_id`."""
        try:
            await self._redis.xgroup_create(
                self.stream, self.group, id=self._start_id, mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(self) -> list[ResultEntry]:
        """New entries for this consumer (waiting up to `block_ms`); they stay pending until
        `ack`."""
        try:
            reply = await self._xreadgroup()
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_group()  # Redis lost it (a restart without persistence)
            reply = await self._xreadgroup()
        return [
            parse_entry(entry_id, fields) for _s, batch in reply or [] for entry_id, fields in batch
        ]

    async def _xreadgroup(self) -> Any:
        return await self._redis.xreadgroup(
            self.group, self.consumer, {self.stream: ">"}, count=self._count, block=self._block_ms
        )

    async def reclaim(self) -> list[ResultEntry]:
        """Take over entries another consumer left pending longer than `claim_idle_s`."""
        entries: list[ResultEntry] = []
        start = "0-0"
        while True:
            reply = await self._redis.xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                self._claim_idle_ms,
                start,
                count=self._count,
            )
            start, claimed = _text(reply[0]), reply[1]
            entries.extend(parse_entry(entry_id, fields) for entry_id, fields in claimed if fields)
            if start == "0-0" or not claimed:
                return entries

    async def ack(self, *entry_ids: str) -> int:
        """Mark entries handled; they will not be delivered or reclaimed again."""
        if not entry_ids:
            return 0
        acked: int = await self._redis.xack(self.stream, self.group, *entry_ids)
        return acked

    async def consume(self) -> AsyncIterator[ResultEntry]:
        """Reclaimed entries first, then new ones, forever. Ack each after handling it; an
        entry not acked is delivered again to a consumer that reclaims it."""
        await self.ensure_group()
        delay_s = 0.1
        while True:
            try:
                entries = await self.reclaim() + await self.read()
            except RedisError as exc:
                logger.warning("results group %s: %s; retrying in %.1f s", self.group, exc, delay_s)
                await asyncio.sleep(delay_s)
                delay_s = min(delay_s * 2, 2.0)
                continue
            delay_s = 0.1
            for entry in entries:
                yield entry


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
