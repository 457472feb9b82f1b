"""Worker heartbeats and fleet statistics, on the real private Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.arq_protocol import RETRY_KEY_TTL_S
from shared.fleet import (
    Heartbeat,
    RunInProgress,
    RunsInProgress,
    clear_heartbeat,
    read_fleet_stats,
    read_runs_in_progress,
    write_heartbeat,
)
from shared.keys import Keys
from shared.models import CheckpointStatus
from shared.redis_connection import connect
from shared.settings import Settings


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = connect(settings)
    yield client
    await client.aclose()


async def test_stats_count_queue_streams_workers_and_recent_statuses(
    redis: Redis, settings: Settings
) -> None:
    keys = settings.keys
    await redis.zadd(keys.queue, {"job-1": 1, "job-2": 2})
    for status in ("success", "failure", "failure", "error"):
        await redis.xadd(keys.results, {"run_id": "r", "status": status})
    await redis.xadd(keys.dead, {"reason": "x"})
    await write_heartbeat(redis, keys, Heartbeat("w-1", "2026-01-01T00:00:00+00:00", 2, 5), 15)
    await write_heartbeat(redis, keys, Heartbeat("w-2", "2026-01-01T00:00:01+00:00", 1, 0), 15)
    await redis.set(keys.worker("w-3"), b"not msgpack of a heartbeat")

    stats = await read_fleet_stats(redis, keys)
    assert (stats.queue_depth, stats.results_stream_length, stats.dead_letters) == (2, 4, 1)
    assert [worker.worker_id for worker in stats.workers] == ["w-1", "w-2"]
    assert stats.jobs_in_progress == 3
    assert stats.recent_results == {"success": 1, "failure": 2, "warning": 0, "error": 1}
    assert set(stats.recent_results) == {status.value for status in CheckpointStatus}
    assert stats.to_dict()["live_workers"] == 2

    await clear_heartbeat(redis, keys, "w-1")
    assert [w.worker_id for w in (await read_fleet_stats(redis, keys)).workers] == ["w-2"]


async def test_heartbeats_expire(redis: Redis, settings: Settings) -> None:
    beat = Heartbeat("w-1", "2026-01-01T00:00:00+00:00")
    await write_heartbeat(redis, settings.keys, beat, settings.heartbeat_ttl_s)
    ttl_ms = await redis.pttl(settings.keys.worker("w-1"))
    assert 0 < ttl_ms <= 15_000


async def test_runs_in_progress_are_listed_by_id_longest_running_first_and_bounded(
    redis: Redis, settings: Settings
) -> None:
    keys = settings.keys
    # what workers and arq write: the holder of each run, and each try's counter (its
    # expiry set to RETRY_KEY_TTL_S as the try starts)
    for n, ran_s in enumerate([5, 300, 60, 1]):
        await redis.hset(keys.running, f"run-{n}", f"w-{n % 2}")  # type: ignore[misc]
        await redis.set(Keys.arq_retry(f"run-{n}"), 1, ex=RETRY_KEY_TTL_S - ran_s)
    await redis.hset(keys.running, "run-lost", "w-9")  # type: ignore[misc]  # no counter

    running = await read_runs_in_progress(redis, keys, shown=3)
    assert running.total == 5
    assert [(run.run_id, run.worker_id) for run in running.oldest] == [
        ("run-1", "w-1"),
        ("run-2", "w-0"),
        ("run-0", "w-0"),
    ]
    ages = [run.running_s for run in running.oldest]
    assert ages[0] is not None and 300 <= ages[0] < 302
    everything = await read_runs_in_progress(redis, keys)
    assert everything.oldest[-1] == RunInProgress("run-lost", "w-9", None)
    stats = (await read_fleet_stats(redis, keys)).to_dict()
    assert stats["runs_in_progress"]["total"] == 5  # type: ignore[index]
    assert stats["runs_in_progress"]["oldest"][0]["run_id"] == "run-1"  # type: ignore[index]


async def test_no_run_in_progress(redis: Redis, settings: Settings) -> None:
    assert await read_runs_in_progress(redis, settings.keys) == RunsInProgress(0, [])
