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
from redis.exceptions import RedisError

from shared import codec
from shared.errors import DecodeError
from shared.keys import Keys
from shared.models import CheckpointResult
from shared.stream_group import StreamGroup, text

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
    named = {text(key): value for key, value in fields.items()}
    result: CheckpointResult | None = None
    error = None
    try:
        result = codec.decode_result(named["result"])
    except KeyError:
        error = "the entry has no result field"
    except DecodeError as exc:
        error = str(exc)
    return ResultEntry(
        entry_id=text(entry_id),
        run_id=text(named.get("run_id", b"")),
        checkpoint=text(named.get("checkpoint", b"")),
        status=text(named.get("status", b"")),
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
            self.last_id = text(info["last-generated-id"]) if info else FROM_START
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
    """One consumer of a consumer group on the results stream (a `shared.stream_group`
    reader); entries need `ack`."""

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
        self.stream = (keys or Keys()).results
        self.group = group
        self.consumer = consumer
        self._reader = StreamGroup(
            redis,
            self.stream,
            group,
            consumer,
            start_id=start_id,
            claim_idle_ms=int(claim_idle_s * 1000),
            count=count,
        )
        self._block_ms = block_ms

    async def ensure_group(self) -> None:
        """Create the group (and the stream) if missing; reading from `start_id`."""
        await self._reader.ensure()

    async def read(self, count: int | None = None) -> list[ResultEntry]:
        """New entries for this consumer (at most `count`, default the reader's; waiting up
        to `block_ms`); they stay pending until `ack`."""
        entries = await self._reader.read_new(count=count, block_ms=self._block_ms)
        return [parse_entry(entry.entry_id, entry.fields) for entry in entries]

    async def read_pending(self) -> list[ResultEntry]:
        """The next page of entries delivered to this consumer (by name) and not acknowledged,
        [] once all were handed out: what a reader restarted under the same name resumes
        with, without waiting for `claim_idle_s`."""
        entries = await self._reader.read_pending()
        return [parse_entry(entry.entry_id, entry.fields) for entry in entries]

    async def backlog(self) -> int:
        """Entries the group has not finished: never delivered plus not acknowledged."""
        return await self._reader.backlog()

    async def reclaim(self) -> list[ResultEntry]:
        """Take over entries another consumer left pending longer than `claim_idle_s`."""
        claimed = await self._reader.claim_stale()
        return [parse_entry(entry.entry_id, entry.fields) for entry in claimed]

    async def ack(self, *entry_ids: str) -> int:
        """Mark entries handled; they will not be delivered or reclaimed again."""
        return await self._reader.ack(entry_ids)

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
