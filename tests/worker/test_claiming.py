"""Waking workers claiming jobs in one round trip, against the private real Redis: a fleet of
them runs every job exactly once (the claim script itself: tests/shared/test_arq_protocol.py)."""

from __future__ import annotations

import asyncio

import pytest
from arq.connections import ArqRedis

from shared.enqueue import enqueue_runs
from shared.job import RunRequest
from shared.settings import Settings
from tests.worker.fleet import read_results
from worker.settings import worker_options
from worker.waking import WakingWorker


async def test_two_waking_workers_run_every_job_once(
    arq_pool: ArqRedis, worker_settings: Settings
) -> None:
    runs = 60
    requests = [RunRequest(checkpoint="orders", run_id=f"many-{i}") for i in range(runs)]
    await enqueue_runs(arq_pool, worker_settings.keys, requests)
    workers = [
        WakingWorker(
            **{**worker_options(worker_settings), "max_jobs": 4},
            wake_channel=worker_settings.keys.wake,
            burst=True,
            handle_signals=False,
        )
        for _ in range(2)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(w.async_run() for w in workers)), 50)
    finally:
        for worker in workers:
            await worker.close()
    assert sum(worker.jobs_complete for worker in workers) == runs
    assert all(worker.jobs_failed == 0 and worker.jobs_retried == 0 for worker in workers)
    results = await read_results(arq_pool, worker_settings)
    assert sorted(result.run_id for result in results) == sorted(f"many-{i}" for i in range(runs))
    assert await arq_pool.zcard(worker_settings.keys.queue) == 0


class _RedisAway:
    async def claim_due(self, wanted: int, now_ms: int, **reading: int) -> list[object]:
        raise ConnectionError("Redis is away")


async def test_a_failed_claim_gives_the_slots_back(worker_settings: Settings) -> None:
    worker = WakingWorker(
        **{**worker_options(worker_settings), "max_jobs": 3},
        wake_channel=worker_settings.keys.wake,
        handle_signals=False,
    )
    worker._claimer = _RedisAway()  # type: ignore[assignment]
    with pytest.raises(ConnectionError):
        await worker._claim_and_start(4)
    assert worker.job_counter == 0
    for _ in range(3 + 1):  # every permit of arq's semaphore (max_jobs + 1) is free again
        await asyncio.wait_for(worker.sem.acquire(), 1)
