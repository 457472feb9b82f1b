"""A fleet on Redis Sentinel (a real master, replica and sentinel): the master is killed
mid-run, the sentinel promotes the replica, and the fleet carries on: every client call ends,
no result is published twice, and a run the failover lost is reported, not silent, also when
the promoted replica had really missed the master's last writes."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from arq.connections import ArqRedis

from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
from shared.models import CheckpointStatus
from shared.redis_connection import connect_arq
from shared.settings import Settings
from tests.support.processes import ManagedProcess
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


@dataclass
class Fleet:
    settings: Settings
    workers: list[ManagedProcess]
    pool: ArqRedis
    runner: AsyncCheckpointRunner

    def logs(self) -> list[str]:
        return [worker.log() for worker in self.workers]


@pytest.fixture
async def fleet(
    sentinel_set: SentinelSet, worker_settings: Settings, spawn_worker: object
) -> AsyncIterator[Fleet]:
    """Two workers on the sentinel's master, ready; a client runner waiting up to 60 s."""
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
    try:
        for worker in workers:
            await wait_until_ready(pool, settings, worker)
        yield Fleet(settings, workers, pool, runner)
    finally:
        await pool.aclose()


async def wait_for_published(fleet: Fleet, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(await published_run_ids(fleet.pool, fleet.settings)) < count:
        assert time.monotonic() < deadline, fleet.logs()[0]
        await asyncio.sleep(0.05)


@pytest.mark.timeout(150)
async def test_the_fleet_carries_on_when_the_master_dies(
    sentinel_set: SentinelSet, fleet: Fleet
) -> None:
    old_master = sentinel_set.master_port()
    waits = [asyncio.create_task(fleet.runner.run_once_async("slow")) for _ in range(RUNS)]
    await wait_for_published(fleet, 4)
    sentinel_set.master.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    results = await asyncio.wait_for(asyncio.gather(*waits), timeout=90)
    took_s = time.monotonic() - killed_at
    published = await published_run_ids(fleet.pool, fleet.settings)
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
    for worker in fleet.workers:
        assert worker.process.poll() is None, worker.log()
    detected = sum("a failover lost writes" in log for log in fleet.logs())
    print(
        f"Sentinel failover: {RUNS} tried, {outcomes['success']} results,"
        f" {outcomes['reported']} reported as errors, {len(duplicated)} duplicated,"
        f" all calls ended {took_s:.1f} s after the master was killed;"
        f" {detected} workers logged lost writes; errors: {[r.error for r in results if r.error]}"
    )
    assert outcomes["success"] >= RUNS // 2, [result.error for result in results]


@pytest.mark.timeout(180)
async def test_a_failover_that_loses_writes_reports_every_lost_run(
    sentinel_set: SentinelSet, fleet: Fleet
) -> None:
    """The replica is cut off (frozen, its link dropped) before the runs are sent, so the
    promoted replica knows none of their jobs nor the results published before the kill."""
    warm = await fleet.runner.run_once_async("slow")  # the fleet's keys reach the replica
    assert warm.status is CheckpointStatus.SUCCESS, warm.error
    sentinel_set.cut_off_replica()
    # Three heartbeats: each worker's check sees the master past what the replica holds (a
    # worker only notices the loss of writes made before its last check).
    await asyncio.sleep(1.5)
    waits = [asyncio.create_task(fleet.runner.run_once_async("slow")) for _ in range(RUNS)]
    await wait_for_published(fleet, 1 + RUNS // 4)
    killed_at = time.monotonic()
    promoted_s = await asyncio.to_thread(sentinel_set.fail_over)
    results = await asyncio.wait_for(asyncio.gather(*waits), timeout=90)
    took_s = time.monotonic() - killed_at
    published = await published_run_ids(fleet.pool, fleet.settings)
    succeeded = [r for r in results if r.status is CheckpointStatus.SUCCESS]
    failed = [r for r in results if r.status is not CheckpointStatus.SUCCESS]
    reported = [r for r in failed if r.error and "lost" in r.error]
    duplicated = [run_id for run_id, count in Counter(published).items() if count > 1]
    logs = fleet.logs()
    print(
        f"Lossy Sentinel failover: {RUNS} tried, {len(succeeded)} results,"
        f" {len(failed)} lost, {len(reported)} reported as lost, {len(duplicated)} duplicated;"
        f" promoted {promoted_s:.1f} s and every call ended {took_s:.1f} s after the kill"
    )
    assert failed, "the failover lost no run: the test did not test loss"
    assert len(reported) == len(failed), [r.error for r in failed]  # none silent
    assert not duplicated
    assert all("a failover lost writes" in log for log in logs), logs[0][-3000:]
    # A client calls a run lost once Redis has not known it for a heartbeat TTL.
    assert took_s < promoted_s + fleet.settings.heartbeat_ttl_s + 10, "reported within the grace"
    for worker in fleet.workers:
        assert worker.process.poll() is None, worker.log()
