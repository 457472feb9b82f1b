"""`EventTrigger`: fires on entries of a Redis stream, read through a consumer group.

Several schedulers share one consumer group per (checkpoint, trigger), named by
`Keys.trigger_group` and read through `shared.stream_group`, so each entry fires once across
the fleet. Nothing is lost when a
scheduler dies: an entry stays pending in the group until the driver calls `acknowledge_async`
after it enqueued the run; entries pending longer than `claim_idle_s` (their scheduler died, or
never acknowledged) are claimed and delivered again, and on start a scheduler first re-reads
its own pending entries. Delivery is therefore at-least-once; a single entry's firing keeps
its identity (`fire_id` = entry id) when delivered again, so the scheduler's deterministic job
id absorbs the duplicate.

With `debounce_s` a burst is coalesced into ONE firing once the stream has been quiet that
long; its context lists every coalesced entry (id and fields). A burst is never held longer
than half of `claim_idle_s`, so no other scheduler claims entries that are merely waiting.
Without it each entry fires on its own: call again right after a firing, more may be ready.

The Redis client comes from the driver through `bind(redis=...)`; the stream is user-named.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.async_base.trigger import AsyncBaseTrigger, TriggerConfig, TriggerResult
from shared.errors import BackendUnavailableError, ConfigError
from shared.stream_group import FROM_NOW, FROM_START, StreamEntry, StreamGroup

if TYPE_CHECKING:
    from redis.asyncio import Redis

#: A stream entry: its id and its fields, decoded to text.
Entry = tuple[str, dict[str, str]]


class EventConfig(TriggerConfig):
    """``{"type": "event", "stream": "orders:landed", "filters": {"table": "orders"}}``"""

    #: The (user-named) Redis stream to consume.
    stream: str = Field(min_length=1)
    #: Entries fire only when each named field has this value (or one of these values).
    filters: dict[str, str | list[str]] = Field(default_factory=dict)
    #: Coalesce a burst: fire once the stream was quiet this long. None: one firing per entry.
    debounce_s: float | None = Field(default=None, ge=0)
    #: Entries pending this long on any consumer are claimed and delivered again.
    claim_idle_s: float = Field(default=60.0, gt=0)
    #: Entries read per Redis call.
    batch_size: int = Field(default=100, ge=1)
    #: Where a new consumer group starts: only entries added from now on, or the whole stream.
    start_from: str = Field(default="new", pattern="^(new|all)$")

    @model_validator(mode="after")
    def _debounce_below_claim(self) -> EventConfig:
        if self.debounce_s is not None and self.debounce_s >= self.claim_idle_s / 2:
            raise ValueError("debounce_s must be below half of claim_idle_s")
        return self


def entry_time(entry_id: str) -> datetime:
    """When Redis added the entry (the milliseconds part of its id)."""
    return datetime.fromtimestamp(int(entry_id.split("-", 1)[0]) / 1000, UTC)


def _id_order(entry_id: str) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def default_consumer() -> str:
    """A consumer name unique to this process: ``host-pid``."""
    return f"{socket.gethostname()}-{os.getpid()}"


class EventTrigger(AsyncBaseTrigger[EventConfig]):
    """Fires on matching entries of `stream`; acknowledges them in `acknowledge_async`."""

    trigger_type = "event"

    def __init__(self, config: EventConfig | None = None, /, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        # The default config is built unvalidated (it has no stream): validate what we got.
        self._config = self._validate_config(
            EventConfig, self._config.model_dump(exclude_unset=True)
        )
        self._reader: StreamGroup | None = None
        #: Matching entries delivered to us and not yet fired, oldest first.
        self._buffer: dict[str, dict[str, str]] = {}
        self._first_arrival = 0.0
        self._last_arrival = 0.0

    @classmethod
    def _default_config(cls) -> EventConfig:
        return EventConfig.model_construct()  # type: ignore[call-arg]  # validated in __init__

    # -- what the binding provides -------------------------------------------------------------

    @property
    def redis(self) -> Redis:
        redis = self.binding.redis
        if redis is None:
            raise ConfigError(
                f"event trigger {self.name!r} has no Redis client: call bind(redis=...) first"
            )
        return redis

    @property
    def group(self) -> str:
        """This trigger's consumer group (shared by every scheduler of the fleet)."""
        return self.binding.keys.trigger_group(self.binding.checkpoint or "_", self.name)

    @property
    def consumer(self) -> str:
        return self.binding.consumer or default_consumer()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start_async(self) -> None:
        await super().start_async()
        await self._call(self._stream_group.ensure())

    async def stop_async(self) -> None:
        # Unfired entries stay pending in Redis; a restart re-reads them from the start.
        self._buffer.clear()
        if self._reader is not None:
            self._reader.rewind_pending()
        await super().stop_async()

    async def should_trigger_async(self) -> TriggerResult:
        if not self.enabled:
            return TriggerResult(should_run=False, reason="disabled")
        if not self.running:
            await self.start_async()
        if self.config.debounce_s is not None or not self._buffer:
            await self._call(self._collect())
        return self._decide(time.monotonic())

    async def acknowledge_async(self, result: TriggerResult) -> None:
        """XACK the entries of a firing, once its run was enqueued."""
        ids = [str(entry_id) for entry_id in result.context.get("event_ids", [])]
        if result.should_run and ids:
            await self._call(self._stream_group.ack(ids))

    # -- reading -------------------------------------------------------------------------------

    async def _call(self, operation: Any) -> Any:
        """Await a Redis operation: an outage is a `BackendUnavailableError` (retry later), an
        error reply a `ConfigError` (the stream is not usable as configured)."""
        try:
            return await operation
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise BackendUnavailableError(
                f"event trigger {self.name!r}: Redis unavailable: {exc}"
            ) from exc
        except ResponseError as exc:  # e.g. WRONGTYPE: the stream name holds something else
            raise ConfigError(
                f"event trigger {self.name!r}: stream {self.config.stream!r}: {exc}"
            ) from exc

    @property
    def _stream_group(self) -> StreamGroup:
        """The consumer-group reader, made on first use and again after a new binding (which
        gives the client and the names)."""
        reader = self._reader
        if (
            reader is None
            or reader.redis is not self.redis
            or (reader.group, reader.consumer) != (self.group, self.consumer)
        ):
            reader = self._reader = StreamGroup(
                self.redis,
                self.config.stream,
                self.group,
                self.consumer,
                start_id=FROM_NOW if self.config.start_from == "new" else FROM_START,
                claim_idle_ms=int(self.config.claim_idle_s * 1000),
                count=self.config.batch_size,
            )
        return reader

    async def _collect(self) -> None:
        """Read what is ready (own pending after a restart, claimable, new), filter, buffer."""
        await self._take(await self._stream_group.read())

    async def _take(self, entries: Iterable[StreamEntry]) -> None:
        """Buffer matching entries; acknowledge the others (they will never fire)."""
        ignored: list[str] = []
        now = time.monotonic()
        for entry in entries:
            fields = entry.text_fields()
            if not self._matches(fields):
                ignored.append(entry.entry_id)
                continue
            if entry.entry_id not in self._buffer:
                if not self._buffer:
                    self._first_arrival = now
                self._last_arrival = now
                self._buffer[entry.entry_id] = fields
        await self._stream_group.ack(ignored)

    def _matches(self, fields: dict[str, str]) -> bool:
        for name, wanted in self.config.filters.items():
            allowed = [wanted] if isinstance(wanted, str) else wanted
            if fields.get(name) not in allowed:
                return False
        return True

    # -- deciding ------------------------------------------------------------------------------

    def _decide(self, now: float) -> TriggerResult:
        if not self._buffer:
            return TriggerResult(should_run=False, reason="no event")
        debounce_s = self.config.debounce_s
        if debounce_s is None:
            entry_id = next(iter(self._buffer))
            return self._fire([(entry_id, self._buffer.pop(entry_id))])
        quiet = now - self._last_arrival >= debounce_s
        held_too_long = now - self._first_arrival >= self.config.claim_idle_s / 2
        if not (quiet or held_too_long):
            return TriggerResult(
                should_run=False, reason=f"debouncing {len(self._buffer)} event(s)"
            )
        entries = list(self._buffer.items())
        self._buffer.clear()
        return self._fire(entries)

    def _fire(self, entries: list[Entry]) -> TriggerResult:
        entries = sorted(entries, key=lambda entry: _id_order(entry[0]))
        ids = [entry_id for entry_id, _ in entries]
        fire_id = ids[0] if len(ids) == 1 else f"{ids[0]}..{ids[-1]}+{len(ids)}"
        return TriggerResult(
            should_run=True,
            reason=f"{len(ids)} event(s) on {self.config.stream}",
            context={
                "stream": self.config.stream,
                "event_ids": ids,
                "events": [{"id": entry_id, "fields": fields} for entry_id, fields in entries],
            },
            fire_time=entry_time(ids[0]),
            fire_id=fire_id,
        )
