"""`ResultArchiver`: copies the results stream into the results store (`checkfleet archive`).

It reads through the consumer group `Keys.archivers_group`, so several archivers share the
work and each result reaches one of them. The guarantee, stated before the code:

- **no loss**: an entry is acknowledged only after the batch holding it is committed to the
  store; an archiver that dies leaves its entries pending, and they are reclaimed (by itself
  when restarted under the same consumer name, at once; by any archiver after
  `claim_idle_s`). A store that refuses a batch keeps it: the batch is retried, not dropped.
- **no duplicates**: the store records by run id and ignores a run it has, so an entry
  delivered twice (archived, then the archiver died before its ack) adds nothing.

Entries whose result cannot be decoded are dead-lettered with the reason and acknowledged.
Results older than the stream's cap (``CHECKFLEET_RESULTS_MAXLEN``) that no archiver read
before they were trimmed are gone: keep an archiver running.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from producer.client.result_stream import FROM_START, ResultEntry, ResultGroup
from shared.errors import StoreError
from shared.metrics import ArchiverMetrics
from shared.models import CheckpointResult
from shared.publishing import ResultPublisher
from shared.settings import Settings
from shared.store import ResultStore

logger = logging.getLogger(__name__)

#: Called after a batch is committed and before it is acknowledged (tests inject crashes).
BatchHook = Callable[[list[str]], None]


@dataclass(frozen=True, slots=True)
class ArchiveOptions:
    consumer: str
    #: Most results written in one transaction.
    batch_size: int = 500
    #: Longest wait for a batch to fill before writing what there is.
    flush_interval_s: float = 0.5
    #: Entries left pending this long by another archiver are taken over.
    claim_idle_s: float = 30.0
    #: How often the lag gauge is refreshed from Redis.
    lag_interval_s: float = 5.0


class ResultArchiver:
    """One archiver: `run` until `stop` is set; `archive_once` for one batch."""

    def __init__(
        self,
        redis: Redis,
        store: ResultStore,
        settings: Settings,
        options: ArchiveOptions,
        *,
        metrics: ArchiverMetrics | None = None,
        after_commit: BatchHook | None = None,
    ) -> None:
        self._redis = redis
        self._store = store
        self._keys = settings.keys
        self._options = options
        self.metrics = metrics or ArchiverMetrics()
        self._publisher = ResultPublisher(redis, settings)
        self._after_commit = after_commit
        self._group = ResultGroup(
            redis,
            self._keys.archivers_group,
            options.consumer,
            self._keys,
            start_id=FROM_START,
            claim_idle_s=options.claim_idle_s,
            block_ms=max(1, int(options.flush_interval_s * 1000)),
            count=options.batch_size,
        )
        self._own_pending_checked = False
        self._lag_checked_at = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Archive until `stop` is set; Redis and store outages are waited out."""
        await self._group.ensure_group()
        delay_s = 0.1
        while not stop.is_set():
            try:
                await self.archive_once()
            except (RedisError, StoreError, OSError) as exc:
                if isinstance(exc, StoreError):
                    self.metrics.store_errors.inc()
                logger.warning("archive: %s; retrying in %.1f s", exc, delay_s)
                try:
                    await asyncio.wait_for(stop.wait(), delay_s)
                except TimeoutError:
                    pass
                delay_s = min(delay_s * 2, 5.0)
                continue
            delay_s = 0.1

    async def archive_once(self) -> int:
        """Read one batch (this consumer's own pending entries first, then reclaimed ones,
        then new ones), write it, acknowledge it. Returns the entries handled."""
        entries = await self._next_batch()
        if entries:
            await self._write(entries)
        await self._refresh_lag()
        return len(entries)

    async def _next_batch(self) -> list[ResultEntry]:
        if not self._own_pending_checked:
            # A restart under the same name resumes its own unacknowledged entries at once.
            entries = await self._group.read_pending()
            if entries:
                return entries
            self._own_pending_checked = True
        entries = await self._group.reclaim()
        if len(entries) < self._options.batch_size:
            entries += await self._fill(self._options.batch_size - len(entries))
        return entries

    async def _fill(self, room: int) -> list[ResultEntry]:
        """New entries, reading until the batch is full or the flush interval passed."""
        deadline = time.monotonic() + self._options.flush_interval_s
        entries: list[ResultEntry] = []
        while len(entries) < room:
            read = await self._group.read(count=room - len(entries))
            entries.extend(read)
            if not read or time.monotonic() >= deadline:
                break
        return entries

    async def _write(self, entries: list[ResultEntry]) -> None:
        results: list[CheckpointResult] = []
        for entry in entries:
            if entry.result is not None:
                results.append(entry.result)
                continue
            reason = (
                f"results stream entry {entry.entry_id} (run {entry.run_id or '?'}): {entry.error}"
            )
            await self._publisher.dead_letter(
                reason, b"", source="archive", entry_id=entry.entry_id
            )
        started = time.perf_counter()
        new = await self._store.record(results)
        self.metrics.batch_duration.observe(time.perf_counter() - started)
        self.metrics.record_batch(new, len(results))
        ids = [entry.entry_id for entry in entries]
        if self._after_commit is not None:
            self._after_commit(ids)
        await self._group.ack(*ids)
        self.metrics.lag_seconds.set(max(0.0, time.time() - _entry_time_s(ids[-1])))
        logger.debug("archived %d results (%d new)", len(results), new)

    async def _refresh_lag(self) -> None:
        now = time.monotonic()
        if now - self._lag_checked_at < self._options.lag_interval_s:
            return
        self._lag_checked_at = now
        self.metrics.lag_entries.set(await self._group.backlog())


def _entry_time_s(entry_id: str) -> float:
    """When a stream entry was added (its id's milliseconds part)."""
    return int(entry_id.partition("-")[0]) / 1000
