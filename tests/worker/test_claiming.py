"""Claiming jobs in one round trip: the same rules as arq's per-job claim, against the
private real Redis, and a fleet of waking workers running every job exactly once."""

from __future__ import annotations

import asyncio

import pytest
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix

from shared.enqueue import enqueue_runs
from shared.job import RunRequest
from shared.settings import Settings
from tests.worker.fleet import read_results
from worker.claiming import JobClaimer
from worker.settings import worker_options
from worker.waking import WakingWorker

LEASE_MS = 60_000


async def test_a_due_queued_job_is_claimed_once(arq_pool: ArqRedis, settings: Settings) -> None:
    queue = settings.keys.queue
    await arq_pool.zadd(queue, {"due": 1_000, "later": 5_000, "held": 1_000})
    await arq_pool.set(in_progress_key_prefix + "held", b"1")  # an arq worker runs it
    claimer = JobClaimer(arq_pool, queue, LEASE_MS)
    claimed = await claimer.claim(["due", "later", "held", "gone"], now_ms=2_000)
    assert claimed == [1_000, None, None, None]
    assert 0 < await arq_pool.pttl(in_progress_key_prefix + "due") <= LEASE_MS
    assert not await arq_pool.exists(in_progress_key_prefix + "later")
    assert await claimer.claim(["due"], now_ms=2_000) == [None]
    assert await claimer.claim([], now_ms=2_000) == []


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
    async def claim(self, job_ids: list[str], now_ms: int) -> list[int | None]:
        raise ConnectionError("Redis is away")


async def test_a_failed_claim_gives_the_slots_back(worker_settings: Settings) -> None:
    worker = WakingWorker(
        **{**worker_options(worker_settings), "max_jobs": 3},
        wake_channel=worker_settings.keys.wake,
        handle_signals=False,
    )
    worker._claimer = _RedisAway()  # type: ignore[assignment]
    with pytest.raises(ConnectionError):
        await worker.start_jobs([b"a", b"b", b"c", b"d"])
    assert worker.job_counter == 0
    for _ in range(3 + 1):  # every permit of arq's semaphore (max_jobs + 1) is free again
        await asyncio.wait_for(worker.sem.acquire(), 1)
