"""A SIGKILLed worker's runs are re-queued from its heartbeat, long before arq's lease (the job
timeout + 10 s, 310 s here) ends, and finish on another worker exactly once."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from arq.connections import ArqRedis

from shared.fleet import Heartbeat, write_heartbeat
from shared.keys import Keys
from shared.settings import Settings
from tests.worker.fleet import enqueue_slow, published_run_ids, wait_until_ready
from worker.reaper import DeadWorkerReaper

pytestmark = pytest.mark.slow

#: Heartbeats in these tests: a dead worker is noticed after 3 of them.
HEARTBEAT_S = "0.5"


async def test_a_sigkilled_workers_runs_finish_elsewhere_within_seconds(
    arq_pool: ArqRedis, worker_settings: Settings, spawn_worker: object
) -> None:
    env = {
        "CHECKFLEET_HEARTBEAT_S": HEARTBEAT_S,
        "CHECKFLEET_WORKER_CONCURRENCY": "4",
        "CHECKFLEET_TEST_PAUSE_S": "1.0",
    }
    victim = spawn_worker("victim", "waking", **env)  # type: ignore[operator]
    await wait_until_ready(arq_pool, worker_settings, victim)
    run_ids = [f"run-{index}" for index in range(8)]
    for run_id in run_ids:
        await enqueue_slow(arq_pool, run_id)
    keys = worker_settings.keys
    deadline = time.monotonic() + 20
    while await arq_pool.hlen(keys.running) < 4:  # the victim holds 4 runs
        assert time.monotonic() < deadline, victim.log()
        await asyncio.sleep(0.02)
    held = sorted(key.decode() for key in await arq_pool.hkeys(keys.running))
    survivor = spawn_worker("survivor", "waking", **env)  # type: ignore[operator]
    victim.send(signal.SIGKILL)
    killed_at = time.monotonic()

    deadline = killed_at + 30
    while len(set(await published_run_ids(arq_pool, worker_settings))) < len(run_ids):
        assert time.monotonic() < deadline, survivor.log()
        await asyncio.sleep(0.05)
    recovery_s = time.monotonic() - killed_at
    published = await published_run_ids(arq_pool, worker_settings)
    assert sorted(published) == run_ids, "every run exactly once"
    assert "re-queued its" in survivor.log()
    for job_id in held:  # the victim's start of each run counted as one death
        assert f"job {job_id}: running it again after 1 worker deaths" in survivor.log()
        assert not await arq_pool.exists(keys.job_starts(job_id))  # forgotten once finished
    assert await arq_pool.hlen(keys.running) == 0
    print(f"SIGKILL recovery: {recovery_s:.1f} s for {len(held)} runs held by the victim")


async def test_a_live_workers_runs_are_left_alone(
    arq_pool: ArqRedis, worker_settings: Settings
) -> None:
    keys = worker_settings.keys
    await write_heartbeat(arq_pool, keys, Heartbeat("alive", "2026-01-01T00:00:00+00:00"), 10)
    await arq_pool.hset(keys.running, mapping={"a": "alive", "b": "gone", "mine": "me"})
    for job_id in ("a", "b", "mine"):
        await arq_pool.set(Keys.arq_in_progress(job_id), b"1")
    reaper = DeadWorkerReaper(arq_pool, keys, "me", settle_s=0)
    assert await reaper.reap() == ["b"]
    assert not await arq_pool.exists(Keys.arq_in_progress("b"))
    assert await arq_pool.exists(Keys.arq_in_progress("a"))
    assert await arq_pool.exists(Keys.arq_in_progress("mine"))
    assert sorted(await arq_pool.hkeys(keys.running)) == [b"a", b"mine"]
    assert await reaper.reap() == []


async def test_a_worker_back_from_an_outage_waits_before_reaping(
    arq_pool: ArqRedis, worker_settings: Settings
) -> None:
    keys = worker_settings.keys
    await arq_pool.hset(keys.running, "b", "gone")
    reaper = DeadWorkerReaper(arq_pool, keys, "me", settle_s=60)
    assert await reaper.reap() == [], "the others may not have renewed their beats yet"
    assert await arq_pool.hlen(keys.running) == 1
