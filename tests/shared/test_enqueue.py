"""`enqueue_run` / `enqueue_runs` write what arq writes, refuse what arq refuses, and wake
workers, against the private real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from arq.connections import ArqRedis
from arq.jobs import JobStatus

from shared.enqueue import enqueue_run, enqueue_runs, job_payload
from shared.job import RunRequest
from shared.keys import Keys
from shared.serializer import deserialize_job
from shared.settings import Settings


def request(run_id: str) -> RunRequest:
    return RunRequest(checkpoint="orders", run_id=run_id, context={"n": run_id})


async def test_the_job_is_the_one_arq_reads(pool: ArqRedis, settings: Settings) -> None:
    job = await enqueue_run(pool, settings.keys, request("run-1"))
    assert job is not None and job.job_id == "run-1"
    assert await job.status() is JobStatus.queued
    info = await job.info()
    assert info is not None
    assert (info.function, list(info.args), info.kwargs) == (
        "run_checkpoint",
        [job_payload(request("run-1"))],
        {},
    )
    assert 86_000_000 < await pool.pttl(Keys.arq_job("run-1")) <= 86_400_000
    # arq's own enqueue refuses the id too: the keys are the ones it checks
    assert await pool.enqueue_job("run_checkpoint", {}, _job_id="run-1") is None


async def test_an_id_with_a_job_or_a_result_is_refused(pool: ArqRedis, settings: Settings) -> None:
    assert await enqueue_run(pool, settings.keys, request("twice")) is not None
    assert await enqueue_run(pool, settings.keys, request("twice")) is None
    await pool.set(Keys.arq_result("finished"), b"x")
    assert await enqueue_run(pool, settings.keys, request("finished")) is None
    assert await pool.zrange(settings.keys.queue, 0, -1) == [b"twice"]


async def test_a_deferred_run_is_scored_later_and_wakes_nobody(
    pool: ArqRedis, settings: Settings
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    async with pool.pubsub() as pubsub:
        await pubsub.subscribe(settings.keys.wake)
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        job = await enqueue_run(pool, settings.keys, request("later"), defer_until=later)
        assert job is not None
        assert await pubsub.get_message(timeout=0.3) is None
    score = await pool.zscore(settings.keys.queue, "later")
    assert score == pytest.approx(later.timestamp() * 1000, abs=1)
    assert await pool.pttl(Keys.arq_job("later")) > 86_400_000


async def test_an_enqueue_publishes_a_wake(pool: ArqRedis, settings: Settings) -> None:
    async with pool.pubsub() as pubsub:
        await pubsub.subscribe(settings.keys.wake)
        await pubsub.get_message(timeout=1)
        assert await enqueue_run(pool, settings.keys, request("now")) is not None
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert message is not None and message["channel"] == settings.keys.wake.encode()


async def test_a_batch_enqueues_each_run_once_in_order(pool: ArqRedis, settings: Settings) -> None:
    assert await enqueue_run(pool, settings.keys, request("b-3")) is not None
    batch = [request(f"b-{index}") for index in range(7)] + [request("b-1")]
    jobs = await enqueue_runs(pool, settings.keys, batch, chunk=3)
    ids = [job.job_id if job else None for job in jobs]
    assert ids == ["b-0", "b-1", "b-2", None, "b-4", "b-5", "b-6", None]
    queued = await pool.zrange(settings.keys.queue, 0, -1)
    assert sorted(queued) == [f"b-{index}".encode() for index in range(7)]
    for index in range(7):
        raw = await pool.get(Keys.arq_job(f"b-{index}"))
        assert raw is not None
        assert deserialize_job(raw)["a"] == [job_payload(request(f"b-{index}"))]


async def test_a_batch_gives_runs_without_an_id_a_fresh_one(
    pool: ArqRedis, settings: Settings
) -> None:
    jobs = await enqueue_runs(pool, settings.keys, [RunRequest(checkpoint="orders")] * 3)
    ids = {job.job_id for job in jobs if job is not None}
    assert len(ids) == 3
    assert await pool.zcard(settings.keys.queue) == 3
    assert await enqueue_runs(pool, settings.keys, []) == []


async def test_a_batch_wakes_subscribers(pool: ArqRedis, settings: Settings) -> None:
    async with pool.pubsub() as pubsub:
        await pubsub.subscribe(settings.keys.wake)
        await pubsub.get_message(timeout=1)
        await enqueue_runs(pool, settings.keys, [request("w-1"), request("w-2")])
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert message is not None
