"""A fleet on Redis Sentinel (a real master, replica and sentinel): the master is killed
mid-run, the sentinel promotes the replica, and the fleet carries on: every client call ends,
no result is published twice, and a run the failover lost is reported, not silent."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
from shared.models import CheckpointStatus
from shared.redis_connection import connect_arq
from shared.settings import Settings
from tests.support.sentinel import SentinelSet
from tests.worker.fleet import published_run_ids, wait_until_ready

pytestmark = pytest.mark.slow

RUNS = 24


@pytest.fixture
def sentinel_set() -> Iterator[SentinelSet]:
    servers = SentinelSet()
    servers.start()
    try:
        yield servers
    finally:
        servers.close()


@pytest.mark.timeout(150)
async def test_the_fleet_carries_on_when_the_master_dies(
    sentinel_set: SentinelSet, worker_settings: Settings, spawn_worker: object
) -> None:
    env = {
        "CHECKFLEET_REDIS_URL": sentinel_set.url,
        "CHECKFLEET_CHECKPOINTS": str(worker_settings.checkpoints),
        "CHECKFLEET_HEARTBEAT_S": "0.5",
        "CHECKFLEET_WORKER_CONCURRENCY": "4",
        "CHECKFLEET_TEST_PAUSE_S": "0.3",
    }
    settings = Settings.from_env(env)
    workers = [spawn_worker(f"worker-{n}", "waking", **env) for n in (1, 2)]  # type: ignore[operator]
    pool = await connect_arq(settings)
    runner = AsyncCheckpointRunner(
        AsyncRunnerConfig(backend="redis", max_concurrent_checkpoints=RUNS, result_timeout=60),
        settings=settings,
    )
    old_master = sentinel_set.master_port()
    try:
        for worker in workers:
            await wait_until_ready(pool, settings, worker)
        waits = [asyncio.create_task(runner.run_once_async("slow")) for _ in range(RUNS)]
        deadline = time.monotonic() + 30
        while len(await published_run_ids(pool, settings)) < 4:
            assert time.monotonic() < deadline, workers[0].log()
            await asyncio.sleep(0.05)
        sentinel_set.master._process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        killed_at = time.monotonic()
        results = await asyncio.wait_for(asyncio.gather(*waits), timeout=90)
        took_s = time.monotonic() - killed_at
        published = await published_run_ids(pool, settings)
    finally:
        await pool.aclose()
    assert sentinel_set.master_port() != old_master, sentinel_set.log()
    outcomes = Counter(
        "success" if result.status is CheckpointStatus.SUCCESS else "reported" for result in results
    )
    duplicated = [run_id for run_id, count in Counter(published).items() if count > 1]
    assert not duplicated, "no result twice"
    assert outcomes["success"] + outcomes["reported"] == RUNS, "every call ended"
    for result in results:
        if result.status is not CheckpointStatus.SUCCESS:
            assert result.error, result
    for worker in workers:
        assert worker.process.poll() is None, worker.log()
    print(
        f"Sentinel failover: {RUNS} tried, {outcomes['success']} results,"
        f" {outcomes['reported']} reported as errors, {len(duplicated)} duplicated,"
        f" all calls ended {took_s:.1f} s after the master was killed"
    )
    assert outcomes["success"] >= RUNS // 2, [result.error for result in results]
