"""`StreamGroup`: one consumer of a Redis stream consumer group, the one implementation of
the protocol every consumer-group reader of checkfleet follows (the request stream, event
triggers, `ResultGroup`, the results archiver).

The guarantee is at-least-once delivery with nothing lost to a crash:

- an entry read by a consumer stays *pending* in the group until it is acknowledged (`ack`);
- a consumer that restarts under the same name first gets its own pending entries back
  (`read_pending`, page by page), the ones it read before and never acknowledged;
- entries pending on any consumer for longer than `claim_idle_ms` (their consumer died) are
  taken over with XAUTOCLAIM (`claim_stale`);
- an entry that can never be handled goes to the dead-letter stream with a reason and is
  acknowledged (`dead_letter`), so it is neither lost nor delivered again.

`read` does the three reads in that order, which is what a batch consumer wants: handle what it
returns, `ack` the handled ids together, call again. Entries deleted from the stream while
pending (XDEL, trimming) have nothing left to handle: they are acknowledged here and never
returned. A group that Redis lost (the stream was deleted, or a restart without persistence)
is created again from `start_id` and the read is retried once.

Callers decide how to decode fields and what a Redis error means to them; this module only
speaks the protocol.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.errors import ConfigError

#: Start ids of a new group: every entry already in the stream / only entries added from now.
FROM_START = "0"
FROM_NOW = "$"
#: The XAUTOCLAIM cursor that starts a scan of the pending entries, and that ends one.
_CURSOR_START = "0-0"

_T = TypeVar("_T")


class DeadLetterSink(Protocol):
    """Where entries that cannot be handled are kept (`ResultPublisher` is one)."""

    async def dead_letter(
        self, reason: str, payload: bytes, *, source: str, **fields: str
    ) -> str: ...


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One stream entry: its id, and its fields as Redis returned them (bytes by default)."""

    entry_id: str
    fields: dict[Any, Any]

    def text_fields(self) -> dict[str, str]:
        """The fields decoded to text; bytes that are not UTF-8 become U+FFFD."""
        return {text(key): text(value) for key, value in self.fields.items()}

    def payload(self) -> bytes:
        """The fields as a JSON object (sorted keys): the payload of a dead letter."""
        return json.dumps(self.text_fields(), sort_keys=True).encode("utf-8")


def text(value: Any) -> str:
    """A Redis reply value as text, lossy for bytes that are not UTF-8."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class StreamGroup:
    """Consumer `consumer` of the group `group` on `stream`.

    `count` bounds every read and every page of `claim_stale`; `start_id` is where a new
    group starts (`FROM_START` or `FROM_NOW`). `dead_letters` and `dead_letter_source` are
    needed only by `dead_letter`.
    """

    def __init__(
        self,
        redis: Redis,
        stream: str,
        group: str,
        consumer: str,
        *,
        start_id: str = FROM_START,
        claim_idle_ms: int = 60_000,
        count: int = 100,
        dead_letters: DeadLetterSink | None = None,
        dead_letter_source: str = "stream",
    ) -> None:
        self.redis = redis
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.start_id = start_id
        self.claim_idle_ms = claim_idle_ms
        self.count = count
        self._dead_letters = dead_letters
        self._dead_letter_source = dead_letter_source
        self._group_ready = False
        #: Own pending entries after this id are still to be re-read; None: caught up.
        self._pending_after: str | None = FROM_START

    async def ensure(self) -> None:
        """Create the group (and the stream) unless it exists; another consumer creating it
        first is fine."""
        if self._group_ready:
            return
        try:
            await self.redis.xgroup_create(self.stream, self.group, self.start_id, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def rewind_pending(self) -> None:
        """Make `read` start again with this consumer's first pending entry (after a caller
        dropped entries it had read but not acknowledged)."""
        self._pending_after = FROM_START

    @property
    def caught_up(self) -> bool:
        """Whether every pending entry this consumer had at start was handed out again."""
        return self._pending_after is None

    async def read(self, *, block_ms: int | None = None) -> list[StreamEntry]:
        """The next batch: first this consumer's own pending entries, a page a call; once
        caught up, stale ones claimed from other consumers and new ones, waiting up to
        `block_ms` for new ones only when there was nothing else (None: do not wait).

        Nothing new is read while own pending entries remain, so the pages of those never
        overlap entries delivered since."""
        entries: list[StreamEntry] = []
        if not self.caught_up:
            entries.extend(await self.read_pending())
            if not self.caught_up:
                return entries
        entries.extend(await self.claim_stale(limit=self.count))
        entries.extend(await self.read_new(block_ms=None if entries else block_ms))
        return entries

    async def read_pending(self) -> list[StreamEntry]:
        """The next page of entries delivered to this consumer before and never acknowledged;
        [] once caught up."""
        if self._pending_after is None:
            return []
        after = self._pending_after
        reply = await self._with_group(
            partial(
                self.redis.xreadgroup,
                self.group,
                self.consumer,
                {self.stream: after},
                count=self.count,
            )
        )
        page = _stream_entries(reply)
        self._pending_after = text(page[-1][0]) if len(page) >= self.count else None
        return await self._live(page)

    async def claim_stale(self, *, limit: int | None = None) -> list[StreamEntry]:
        """Take over entries pending on any consumer longer than `claim_idle_ms`, up to
        `limit` (None: every one), in pages of `count`; they are delivered again, to this
        consumer."""
        entries: list[StreamEntry] = []
        cursor = _CURSOR_START
        while limit is None or len(entries) < limit:
            page = self.count if limit is None else min(self.count, limit - len(entries))
            reply = await self._with_group(
                partial(
                    self.redis.xautoclaim,
                    self.stream,
                    self.group,
                    self.consumer,
                    min_idle_time=self.claim_idle_ms,
                    start_id=cursor,
                    count=page,
                )
            )
            cursor, claimed = text(reply[0]), reply[1]
            entries.extend(await self._live(claimed))
            if cursor == _CURSOR_START or not claimed:
                break
        return entries

    async def read_new(
        self, *, count: int | None = None, block_ms: int | None = None
    ) -> list[StreamEntry]:
        """Entries never delivered to any consumer of the group, waiting up to `block_ms`
        (None: do not wait); they stay pending until `ack`."""
        reply = await self._with_group(
            partial(
                self.redis.xreadgroup,
                self.group,
                self.consumer,
                {self.stream: ">"},
                count=count or self.count,
                block=block_ms,
            )
        )
        return await self._live(_stream_entries(reply))

    async def ack(self, entry_ids: Iterable[str]) -> int:
        """Mark entries handled: they are not delivered or claimed again. Returns how many
        were still pending."""
        ids = list(entry_ids)
        if not ids:
            return 0
        acked: int = await self.redis.xack(self.stream, self.group, *ids)
        return acked

    async def backlog(self) -> int:
        """Entries the group has not finished: never delivered (the group's lag) plus
        delivered and not acknowledged; 0 while the stream or the group does not exist."""
        try:
            groups = await self.redis.xinfo_groups(self.stream)
        except ResponseError:
            return 0  # no stream yet
        for group in groups:
            if text(group.get("name", b"")) == self.group:
                return int(group.get("lag") or 0) + int(group.get("pending") or 0)
        return 0

    async def dead_letter(self, entry: StreamEntry, reason: str) -> None:
        """Keep an entry that can never be handled in the dead-letter stream, with the reason
        (``source`` = `dead_letter_source`, ``payload`` = its fields as JSON, ``entry_id``),
        then acknowledge it."""
        if self._dead_letters is None:
            raise ConfigError(f"stream group {self.group!r} on {self.stream!r} has no dead letters")
        await self._dead_letters.dead_letter(
            reason, entry.payload(), source=self._dead_letter_source, entry_id=entry.entry_id
        )
        await self.ack([entry.entry_id])

    async def _with_group(self, call: Callable[[], Awaitable[_T]]) -> _T:
        await self.ensure()
        try:
            return await call()
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
        self._group_ready = False  # Redis lost the stream or the group: create it again
        self._pending_after = None  # a new group has nothing pending
        await self.ensure()
        return await call()

    async def _live(self, raw_entries: Iterable[Any]) -> list[StreamEntry]:
        """The entries still in the stream; acknowledge the deleted ones. Redis replies with
        nil fields for those, which redis-py turns into {} (XADD never writes an empty entry)."""
        live: list[StreamEntry] = []
        deleted: list[str] = []
        for raw_id, raw_fields in raw_entries:
            if not raw_fields:
                deleted.append(text(raw_id))
            else:
                live.append(StreamEntry(text(raw_id), raw_fields))
        await self.ack(deleted)
        return live


def _stream_entries(reply: Any) -> list[Any]:
    """The (id, fields) pairs of an XREAD/XREADGROUP reply over one stream."""
    entries: list[Any] = []
    for _stream, stream_entries in reply or []:
        entries.extend(stream_entries)
    return entries
