"""Redis failing under a running fleet, with real processes: a restart without persistence is
reported (workers log an ERROR, waiting clients get `error` results, none hangs) and a Redis
refusing writes (``OOM`` under ``noeviction``) is outlived: every run is published once when
memory is back, and the worker never exits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
from shared.keys import Keys
from shared.models import CheckpointStatus
from shared.redis_connection import connect_arq
from shared.settings import Settings
from tests.support.redis_server import RedisServer
from tests.worker.fleet import enqueue_slow, published_run_ids, wait_until_ready

pytestmark = pytest.mark.slow


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server of this test alone: its memory limit and restarts touch no other test."""
    server = RedisServer(args=["--maxmemory-policy", "noeviction"])
    server.start()
    try:
        yield server
    finally:
        server.close()


def fleet_settings(server: RedisServer, worker_settings: Settings) -> dict[str, str]:
    return {
        "CHECKFLEET_REDIS_URL": server.url,
        "CHECKFLEET_CHECKPOINTS": str(worker_settings.checkpoints),
        "CHECKFLEET_HEARTBEAT_S": "0.5",
    }


async def test_a_restart_without_persistence_is_reported_not_silent(
    own_redis: RedisServer, worker_settings: Settings, spawn_worker: object
) -> None:
    env = fleet_settings(own_redis, worker_settings)
    settings = Settings.from_env(env)
    worker = spawn_worker(  # type: ignore[operator]
        "worker", "waking", **env, CHECKFLEET_WORKER_CONCURRENCY="2", CHECKFLEET_TEST_PAUSE_S="1.5"
    )
    pool = await connect_arq(settings)
    runner = AsyncCheckpointRunner(
        AsyncRunnerConfig(backend="redis", result_timeout=60), settings=settings
    )
    try:
        await wait_until_ready(pool, settings, worker)
        started = time.monotonic()
        waits = [asyncio.create_task(runner.run_once_async("slow")) for _ in range(6)]
        deadline = time.monotonic() + 20
        # Two running, four queued: a claim records a job as running before arq reads it,
        # and arq counts the try in the step that reads the job.
        while len(await pool.keys(Keys.arq_retry("*"))) < 2:
            assert time.monotonic() < deadline, worker.log()
            await asyncio.sleep(0.02)
        own_redis.restart()  # no persistence: the queue, the leases, every marker gone
        results = await asyncio.wait_for(asyncio.gather(*waits), timeout=45)
        took_s = time.monotonic() - started
    finally:
        await pool.aclose()
    statuses = sorted(result.status.value for result in results)
    lost = [result for result in results if result.error and "was lost" in result.error]
    assert statuses.count(CheckpointStatus.SUCCESS.value) == 2, statuses  # the two running
    assert len(lost) == 4, [result.error for result in results]
    assert "Redis lost its data" in worker.log()
    assert worker.process.poll() is None
    print(f"restart without persistence: 6 tried, 2 results, 4 reported lost, {took_s:.1f} s")


@pytest.mark.parametrize("entry", ["arq", "waking"])
async def test_a_worker_outlives_oom_and_publishes_every_run_once(
    own_redis: RedisServer, worker_settings: Settings, spawn_worker: object, entry: str
) -> None:
    env = fleet_settings(own_redis, worker_settings)
    settings = Settings.from_env(env)
    worker = spawn_worker(  # type: ignore[operator]
        "worker", entry, **env, CHECKFLEET_WORKER_CONCURRENCY="4", CHECKFLEET_TEST_PAUSE_S="0.5"
    )
    pool = await connect_arq(settings)
    admin = own_redis.client()
    try:
        await wait_until_ready(pool, settings, worker)
        assert "persistence is off" in worker.log(), "start-up warns about this Redis"
        run_ids = [f"run-{index}" for index in range(8)]
        for run_id in run_ids:
            await enqueue_slow(pool, run_id)
        deadline = time.monotonic() + 20
        while await pool.hlen(settings.keys.running) < 4:
            assert time.monotonic() < deadline, worker.log()
            await asyncio.sleep(0.02)
        admin.config_set("maxmemory", "1")  # every write refused from now on
        await asyncio.sleep(3)  # the runs end, their results cannot be written
        assert worker.process.poll() is None, worker.log()
        published_during = len(await published_run_ids(pool, settings))
        admin.config_set("maxmemory", "0")
        freed = time.monotonic()
        deadline = freed + 30
        while len(set(await published_run_ids(pool, settings))) < len(run_ids):
            assert time.monotonic() < deadline, worker.log()
            await asyncio.sleep(0.1)
        recovery_s = time.monotonic() - freed
        assert sorted(await published_run_ids(pool, settings)) == run_ids, "each exactly once"
    finally:
        admin.close()
        await pool.aclose()
    assert "OutOfMemoryError" in worker.log(), worker.log()
    assert worker.process.poll() is None
    print(
        f"OOM ({entry}): 8 runs, {published_during} published during OOM, all 8 once"
        f" {recovery_s:.1f} s after memory was freed"
    )
