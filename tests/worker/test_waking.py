"""An idle `WakingWorker` starts a run when it is enqueued, not at its next poll."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from arq.connections import ArqRedis

from shared.enqueue import enqueue_run
from shared.job import RunRequest
from shared.settings import Settings
from worker.settings import worker_options
from worker.waking import WakingWorker

IDLE_POLL_S = 30.0  # far longer than any wait below: only a wake can explain a quick start


@pytest.fixture
async def waking_worker(worker_settings: Settings) -> AsyncIterator[WakingWorker]:
    worker = WakingWorker(
        **worker_options(worker_settings),
        wake_channel=worker_settings.keys.wake,
        idle_poll_s=IDLE_POLL_S,
        handle_signals=False,
    )
    task = asyncio.create_task(worker.async_run())
    yield worker
    # Let jobs that published their result finish their bookkeeping, then stop polling:
    # arq's close() cancels and awaits whatever is still running.
    await asyncio.wait_for(asyncio.gather(*worker.tasks.values(), return_exceptions=True), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await worker.close()


async def wait_for_result(redis: ArqRedis, settings: Settings, run_id: str) -> float:
    started = time.monotonic()
    while not await redis.exists(settings.keys.run_result(run_id)):  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    return time.monotonic() - started


async def wait_until_listening(redis: ArqRedis, channel: str) -> None:
    """Until a worker subscribed to `channel`: it started up and went idle on an empty queue
    (a wake published before that is lost, and costs one idle poll)."""
    while (await redis.pubsub_numsub(channel))[0][1] < 1:  # noqa: ASYNC110 - polls Redis
        await asyncio.sleep(0.01)


async def test_an_enqueue_wakes_an_idle_worker(
    arq_pool: ArqRedis, worker_settings: Settings, waking_worker: WakingWorker
) -> None:
    await asyncio.wait_for(wait_until_listening(arq_pool, worker_settings.keys.wake), 20)
    for index in range(3):
        request = RunRequest(checkpoint="orders", run_id=f"woken-{index}")
        assert await enqueue_run(arq_pool, worker_settings.keys, request) is not None
        waited = await asyncio.wait_for(
            wait_for_result(arq_pool, worker_settings, request.run_id or ""), 10
        )
        assert waited < IDLE_POLL_S / 3


async def test_the_same_run_id_is_enqueued_once(
    arq_pool: ArqRedis, worker_settings: Settings
) -> None:
    request = RunRequest(checkpoint="orders", run_id="once")
    assert await enqueue_run(arq_pool, worker_settings.keys, request) is not None
    assert await enqueue_run(arq_pool, worker_settings.keys, request) is None
    assert await arq_pool.zcard(worker_settings.keys.queue) == 1


async def test_every_claimed_start_record_ends_with_its_job(
    arq_pool: ArqRedis, worker_settings: Settings, waking_worker: WakingWorker
) -> None:
    """The claim records each job's start (worker.claims); a run, a queued id that is no run
    id and a job whose key expired each end theirs, so none counts as a worker death."""
    keys = worker_settings.keys
    await asyncio.wait_for(wait_until_listening(arq_pool, keys.wake), 20)
    await arq_pool.zadd(keys.queue, {"not a run id!": 1, "expired-job": 1})  # no job keys
    request = RunRequest(checkpoint="orders", run_id="recorded")
    assert await enqueue_run(arq_pool, keys, request) is not None
    await asyncio.wait_for(wait_for_result(arq_pool, worker_settings, "recorded"), 10)

    async def settled() -> None:
        while await arq_pool.zcard(keys.queue) or waking_worker.tasks:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    await asyncio.wait_for(settled(), 10)
    assert await arq_pool.hgetall(keys.running) == {}
    for job_id in ("recorded", "not a run id!", "expired-job"):
        assert not await arq_pool.exists(keys.job_starts(job_id)), job_id
    assert waking_worker.ctx["checkfleet"].runs.running == set()
