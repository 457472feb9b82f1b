"""The archiver in this process against a real Redis and a real SQLite store: batches,
idempotence, resuming its own pending entries, taking over a dead archiver's, dead letters,
and the lag gauge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from producer.client.archive import ArchiveOptions, BatchHook, ResultArchiver
from shared.publishing import ResultPublisher
from shared.settings import Settings
from shared.store import ResultStore, open_store
from tests.support.history import run_at


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ResultStore]:
    async with open_store(f"sqlite:///{tmp_path / 'history.db'}") as opened:
        yield opened


async def publish(redis: Redis, settings: Settings, count: int, start: int = 0) -> None:
    publisher = ResultPublisher(redis, settings)
    for index in range(start, start + count):
        await publisher.publish(run_at(index))


def archiver(
    redis: Redis,
    store: Any,
    settings: Settings,
    consumer: str = "a",
    after_commit: BatchHook | None = None,
    **options: Any,
) -> ResultArchiver:
    chosen = ArchiveOptions(consumer=consumer, flush_interval_s=0.05, lag_interval_s=0.0)
    return ResultArchiver(
        redis, store, settings, replace(chosen, **options), after_commit=after_commit
    )


async def test_results_are_archived_in_batches(
    redis: Redis, settings: Settings, store: ResultStore
) -> None:
    await publish(redis, settings, 25)
    first = archiver(redis, store, settings, batch_size=10)
    assert [await first.archive_once() for _ in range(4)] == [10, 10, 5, 0]
    assert await store.count_runs() == 25
    assert first.metrics.registry.get_sample_value("checkfleet_archive_lag_entries") == 0
    assert archived(first, "new") == 25


async def test_a_restart_resumes_its_own_unacknowledged_batch(
    redis: Redis, settings: Settings, store: ResultStore
) -> None:
    await publish(redis, settings, 5)
    # committed, then died before the ack
    crashed = archiver(redis, store, settings, batch_size=5, after_commit=_crash)
    with pytest.raises(_CrashError):
        await crashed.archive_once()
    restarted = archiver(redis, store, settings, batch_size=5, claim_idle_s=3600.0)
    assert await restarted.archive_once() == 5, "its own pending entries come back at once"
    assert archived(restarted, "duplicate") == 5
    assert await store.count_runs() == 5
    assert await restarted.archive_once() == 0


async def test_another_archiver_takes_over_after_the_idle_time(
    redis: Redis, settings: Settings, store: ResultStore
) -> None:
    await publish(redis, settings, 3)
    doomed = archiver(redis, _RefusingStore(), settings, consumer="doomed")
    with pytest.raises(_CrashError):
        await doomed.archive_once()
    other = archiver(redis, store, settings, consumer="other", claim_idle_s=0.001)
    assert await other.archive_once() == 3
    assert await store.count_runs() == 3


async def test_an_undecodable_entry_is_dead_lettered_and_acknowledged(
    redis: Redis, settings: Settings, store: ResultStore
) -> None:
    await redis.xadd(settings.keys.results, {"run_id": "bad-1", "result": b"\xc1garbage"})
    await publish(redis, settings, 1)
    one = archiver(redis, store, settings)
    assert await one.archive_once() == 2
    assert await store.count_runs() == 1
    dead = await redis.xrange(settings.keys.dead)
    assert len(dead) == 1
    assert b"run bad-1" in dead[0][1][b"reason"]
    assert await one.archive_once() == 0


class _CrashError(Exception):
    pass


def _crash(entry_ids: list[str]) -> None:
    raise _CrashError(entry_ids)


class _RefusingStore:
    async def record(self, results: object) -> int:
        raise _CrashError("store down")


def archived(one: ResultArchiver, outcome: str) -> float | None:
    return one.metrics.registry.get_sample_value(
        "checkfleet_archived_runs_total", {"outcome": outcome}
    )
