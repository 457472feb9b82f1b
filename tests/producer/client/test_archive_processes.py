"""`checkfleet archive` as a real process, SIGKILLed between committing a batch and
acknowledging it, then restarted: every result stored once, on SQLite and PostgreSQL."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from shared.publishing import ResultPublisher
from shared.settings import Settings
from tests.support.archiving import archiver_process, stored_count, stored_once, wait_for_stored
from tests.support.history import run_at

pytestmark = pytest.mark.slow

RUNS = 300


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


async def test_an_archiver_killed_between_commit_and_ack_loses_and_duplicates_nothing(
    redis: Redis, settings: Settings, store_url: str, tmp_path: Path
) -> None:
    publisher = ResultPublisher(redis, settings)
    for index in range(RUNS):
        await publisher.publish(run_at(index))
    victim = archiver_process(
        "victim", settings.redis_url, store_url, tmp_path, faulty=True, ARCHIVE_PAUSE_S="0.3"
    )
    try:
        victim.wait_for_log("committed 20", timeout_s=30)
        victim.send(signal.SIGKILL)  # during the pause: committed, not acknowledged
        assert victim.wait(10) == -signal.SIGKILL
        assert 0 < await stored_count(store_url) < RUNS
    finally:
        victim.stop()
    # The same name resumes its pending batch at once; another name takes it over when idle
    # (each backend tries one of the two).
    restart_as = "victim" if store_url.startswith("sqlite") else "successor"
    successor = archiver_process(restart_as, settings.redis_url, store_url, tmp_path)
    try:
        await wait_for_stored(store_url, RUNS, 60, successor)
        await publisher.publish(run_at(RUNS))  # and it keeps archiving new results
        await wait_for_stored(store_url, RUNS + 1, 30, successor)
        assert successor.terminate(signal.SIGTERM) == 0, successor.log()
    finally:
        successor.stop()
    assert await stored_once(store_url, "orders") == sorted(f"orders-{i}" for i in range(RUNS + 1))
