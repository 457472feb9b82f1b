"""The atomic decision script of `RedisFiringDecider` against the private real Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from arq.connections import RedisSettings, create_pool
from arq.jobs import Job, JobStatus
from redis.asyncio import Redis

from shared.checkpoint import OverlapPolicy
from shared.firing.base import Firing, Outcome, epoch_us
from shared.firing.redis import RedisFiringDecider
from shared.job import RunRequest
from shared.keys import Keys
from shared.serializer import deserialize_job, serialize_job
from shared.settings import Settings
from tests.support.queue import queued_job_ids, queued_requests

KEYS = Keys()


def firing(job_id: str, overlap: OverlapPolicy = OverlapPolicy.SKIP, **fields: object) -> Firing:
    request = RunRequest(checkpoint="orders", run_id=job_id, context={"n": job_id})
    return Firing(job_id=job_id, request=request, checkpoint="orders", overlap=overlap, **fields)  # type: ignore[arg-type]


async def finish(redis: Redis, job_id: str) -> None:
    """What a worker does when a job ends: the job key goes, a result key stays."""
    await redis.delete(Keys.arq_job(job_id))
    await redis.zrem(KEYS.queue, job_id)
    await redis.set(Keys.arq_result(job_id), b"done")


async def test_enqueued_job_is_what_arq_reads(redis: Redis, settings: Settings) -> None:
    decider = RedisFiringDecider(redis, KEYS)
    assert await decider.decide(firing("run-1")) is Outcome.ENQUEUED
    assert await queued_requests(redis) == {
        "run-1": {"checkpoint": "orders", "run_id": "run-1", "context": {"n": "run-1"}}
    }
    assert 0 < await redis.pttl(Keys.arq_job("run-1")) <= 86_400_000
    pool = await create_pool(
        RedisSettings.from_dsn(settings.redis_url),
        job_serializer=serialize_job,
        job_deserializer=deserialize_job,
        default_queue_name=KEYS.queue,
    )
    try:
        job = Job("run-1", pool, _queue_name=KEYS.queue, _deserializer=deserialize_job)
        assert await job.status() is JobStatus.queued
        info = await job.info()
        assert info is not None and info.function == "run_checkpoint"
        # arq's own enqueue refuses the id too: we wrote what it checks
        assert await pool.enqueue_job("run_checkpoint", {}, _job_id="run-1") is None
    finally:
        await pool.aclose()


async def test_same_firing_twice_is_a_duplicate_even_after_the_run(redis: Redis) -> None:
    decider = RedisFiringDecider(redis, KEYS)
    assert await decider.decide(firing("t1", OverlapPolicy.ALLOW)) is Outcome.ENQUEUED
    assert await decider.decide(firing("t1", OverlapPolicy.ALLOW)) is Outcome.DUPLICATE
    await finish(redis, "t1")
    await redis.delete(Keys.arq_result("t1"))  # a worker that keeps no result
    assert await decider.decide(firing("t1", OverlapPolicy.ALLOW)) is Outcome.DUPLICATE
    assert await queued_job_ids(redis) == []


async def test_racing_schedulers_enqueue_a_firing_once(redis: Redis) -> None:
    deciders = [RedisFiringDecider(redis, KEYS) for _ in range(5)]
    outcomes = await asyncio.gather(*(e.decide(firing("tick")) for e in deciders))
    assert sorted(outcomes) == sorted([Outcome.ENQUEUED] + [Outcome.DUPLICATE] * 4)


async def test_overlap_skip_counts_and_starts_after_the_run_ended(redis: Redis) -> None:
    decider = RedisFiringDecider(redis, KEYS)
    assert await decider.decide(firing("a")) is Outcome.ENQUEUED
    assert await decider.decide(firing("b")) is Outcome.SKIPPED
    await redis.set("arq:in-progress:a", b"1")
    await redis.delete(Keys.arq_job("a"))  # running: only the in-progress key says so
    assert await decider.decide(firing("c")) is Outcome.SKIPPED
    assert await decider.overlap_skips("orders") == 2
    await redis.delete("arq:in-progress:a")
    await finish(redis, "a")
    assert await decider.decide(firing("d")) is Outcome.ENQUEUED
    assert await decider.decide(firing("b")) is Outcome.DUPLICATE  # decided already
    assert await queued_job_ids(redis) == ["d"]


async def test_overlap_allow_starts_every_firing(redis: Redis) -> None:
    decider = RedisFiringDecider(redis, KEYS)
    for job_id in ("a", "b", "c"):
        assert await decider.decide(firing(job_id, OverlapPolicy.ALLOW)) is Outcome.ENQUEUED
    assert sorted(await queued_job_ids(redis)) == ["a", "b", "c"]
    assert await decider.overlap_skips("orders") == 0


async def test_overlap_queue_latest_keeps_the_latest_until_the_run_ended(redis: Redis) -> None:
    decider = RedisFiringDecider(redis, KEYS)
    latest = OverlapPolicy.QUEUE_LATEST
    assert await decider.decide(firing("a", latest)) is Outcome.ENQUEUED
    assert await decider.decide(firing("b", latest)) is Outcome.DEFERRED
    assert await decider.decide(firing("c", latest)) is Outcome.DEFERRED
    assert await decider.overlap_skips("orders") == 1  # b was replaced by c
    assert await decider.release_deferred("orders") is None  # a is still queued
    await finish(redis, "a")
    assert await decider.release_deferred("orders") == "c"
    assert await decider.release_deferred("orders") is None
    assert await queued_job_ids(redis) == ["c"]
    assert (await queued_requests(redis))["c"]["context"] == {"n": "c"}
    assert await decider.decide(firing("d", latest)) is Outcome.DEFERRED  # c is active


async def test_ticks_advance_the_last_tick_monotonically(redis: Redis) -> None:
    decider = RedisFiringDecider(redis, KEYS)
    early = datetime(2026, 11, 28, 3, 0, 0, 250_000, tzinfo=UTC)
    late = datetime(2026, 11, 28, 3, 0, 5, tzinfo=UTC)
    allow = OverlapPolicy.ALLOW
    assert await decider.last_tick("orders", "every") is None
    await decider.decide(firing("late", allow, tick=late, trigger="every"))
    await decider.decide(firing("early", allow, tick=early, trigger="every"))
    assert await decider.last_tick("orders", "every") == epoch_us(late)
    await decider.remember_tick("orders", "every", early)  # only when none is recorded
    assert await decider.last_tick("orders", "every") == epoch_us(late)


async def test_enqueues_and_releases_wake_idle_workers(redis: Redis) -> None:
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(KEYS.wake)
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        decider = RedisFiringDecider(redis, KEYS)
        latest = OverlapPolicy.QUEUE_LATEST
        assert await decider.decide(firing("a", latest)) is Outcome.ENQUEUED
        assert (await pubsub.get_message(timeout=1) or {}).get("channel") == KEYS.wake.encode()
        assert await decider.decide(firing("b", latest)) is Outcome.DEFERRED
        assert await pubsub.get_message(timeout=0.2) is None  # nothing new to take
        await finish(redis, "a")
        assert await decider.release_deferred("orders") == "b"
        assert (await pubsub.get_message(timeout=1) or {}).get("channel") == KEYS.wake.encode()
