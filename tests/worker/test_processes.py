"""Real worker processes (`python -m arq worker.WorkerSettings`): killed, stopped and cut off
from Redis mid-run, without losing or duplicating a run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import pytest
from arq.connections import ArqRedis

from shared.settings import Settings
from tests.support.processes import REPO_ROOT, worker_argv
from tests.support.redis_server import RedisServer
from tests.worker.fleet import (
    enqueue_slow,
    published_run_ids,
    wait_for_results,
    wait_until_in_progress,
    wait_until_ready,
)

pytestmark = pytest.mark.slow


def health_check(settings: Settings) -> int:
    """Exit code of ``arq worker.WorkerSettings --check``, as a liveness probe runs it."""
    completed = subprocess.run(
        [*worker_argv(), "--check"],
        cwd=REPO_ROOT,
        env={**os.environ, "CHECKFLEET_REDIS_URL": settings.redis_url},
        capture_output=True,
        timeout=30,
        check=False,
    )
    return completed.returncode


async def test_sigkill_mid_run_loses_nothing_and_duplicates_nothing(
    arq_pool: ArqRedis, worker_settings: Settings, spawn_worker: object
) -> None:
    env = {
        "CHECKFLEET_JOB_TIMEOUT_S": "2",  # arq's lease is the job timeout + 10 s
        "CHECKFLEET_WORKER_CONCURRENCY": "4",
        "CHECKFLEET_TEST_PAUSE_S": "0.1",
    }
    victim = spawn_worker("victim", **env)  # type: ignore[operator]
    survivor = spawn_worker("survivor", **env)  # type: ignore[operator]
    await wait_until_ready(arq_pool, worker_settings, victim)
    run_ids = [f"run-{index:03d}" for index in range(100)]
    for run_id in run_ids:
        await enqueue_slow(arq_pool, run_id)
    await wait_for_results(arq_pool, worker_settings, 20, timeout_s=30)
    victim.send(signal.SIGKILL)
    published = await wait_for_results(arq_pool, worker_settings, 100, timeout_s=60)
    assert sorted(published) == run_ids, "every run appears exactly once"
    assert survivor.process.poll() is None


async def test_sigterm_finishes_runs_in_flight_then_exits_zero(
    arq_pool: ArqRedis, worker_settings: Settings, spawn_worker: object
) -> None:
    worker = spawn_worker(  # type: ignore[operator]
        "worker", CHECKFLEET_TEST_PAUSE_S="1.0", CHECKFLEET_GRACEFUL_SHUTDOWN_S="20"
    )
    await wait_until_ready(arq_pool, worker_settings, worker)
    await enqueue_slow(arq_pool, "first")
    await enqueue_slow(arq_pool, "second")
    await wait_until_in_progress(arq_pool, ["first", "second"])
    assert health_check(worker_settings) == 0, "a running worker passes the health check"
    worker.send(signal.SIGTERM)
    await enqueue_slow(arq_pool, "late")  # a stopping worker takes no new job
    assert await asyncio.to_thread(worker.wait, 30) == 0, worker.log()
    assert health_check(worker_settings) == 1, "a stopped worker fails it"
    assert sorted(await published_run_ids(arq_pool, worker_settings)) == ["first", "second"]
    assert await arq_pool.zscore(worker_settings.keys.queue, "late") is not None


@pytest.mark.parametrize("entry", ["arq", "waking"])
async def test_a_redis_outage_mid_run_is_survived(
    arq_pool: ArqRedis,
    worker_settings: Settings,
    spawn_worker: object,
    redis_server: RedisServer,
    entry: str,
) -> None:
    worker = spawn_worker("worker", entry, CHECKFLEET_TEST_PAUSE_S="1.5")  # type: ignore[operator]
    await wait_until_ready(arq_pool, worker_settings, worker)
    await enqueue_slow(arq_pool, "during")
    await wait_until_in_progress(arq_pool, ["during"])
    redis_server.stop()  # no persistence: the queue is gone, the run in memory is not
    await asyncio.sleep(2.5)  # the run ends while Redis is away: publishing must wait for it
    redis_server.start()
    try:
        published = await wait_for_results(arq_pool, worker_settings, 1, timeout_s=30)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{worker.log()}") from None
    assert published == ["during"]
    await enqueue_slow(arq_pool, "after")
    assert sorted(await wait_for_results(arq_pool, worker_settings, 2, timeout_s=30)) == [
        "after",
        "during",
    ]
    assert worker.process.poll() is None, worker.log()
