from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from shared import codec
from shared.models import CheckpointResult, CheckpointStatus
from shared.publishing import RESULT_FIELDS, JobEnding, ResultPublisher
from shared.settings import Settings


def make_result(
    run_id: str, status: CheckpointStatus = CheckpointStatus.SUCCESS
) -> CheckpointResult:
    return CheckpointResult(run_id=run_id, checkpoint_name="orders", status=status)


async def test_publishes_the_contract_fields(redis: Redis, settings: Settings) -> None:
    publication = await ResultPublisher(redis, settings).publish(make_result("run-1"))
    assert publication.appended
    [(entry_id, fields)] = await redis.xrange(settings.keys.results)
    assert entry_id.decode() == publication.entry_id
    assert tuple(key.decode() for key in fields) == RESULT_FIELDS
    assert fields[b"run_id"] == b"run-1"
    assert fields[b"checkpoint"] == b"orders"
    assert fields[b"status"] == b"success"
    assert int(fields[b"v"]) == codec.SCHEMA_VERSION
    assert codec.decode_result(fields[b"result"]) == make_result("run-1").model_copy(
        update={"run_time": codec.decode_result(fields[b"result"]).run_time}
    )
    assert await redis.get(settings.keys.run_result("run-1")) == fields[b"result"]
    assert 0 < await redis.pttl(settings.keys.published("run-1")) <= settings.result_ttl_s * 1000


async def test_a_run_id_is_published_once_even_when_raced(redis: Redis, settings: Settings) -> None:
    publisher = ResultPublisher(redis, settings)
    outcomes = await asyncio.gather(
        *(publisher.publish(make_result("run-2", CheckpointStatus.FAILURE)) for _ in range(20))
    )
    assert sum(outcome.appended for outcome in outcomes) == 1
    assert len({outcome.entry_id for outcome in outcomes}) == 1
    assert await redis.xlen(settings.keys.results) == 1


async def test_the_stream_is_trimmed_to_about_maxlen(redis: Redis, redis_url: str) -> None:
    settings = Settings.from_env(
        {"CHECKFLEET_REDIS_URL": redis_url, "CHECKFLEET_RESULTS_MAXLEN": "10"}
    )
    publisher = ResultPublisher(redis, settings)
    for index in range(500):
        await publisher.publish(make_result(f"run-{index}"))
    # approximate trimming removes whole macro nodes (100 entries by default)
    assert await redis.xlen(settings.keys.results) < 200


async def test_dead_letters_keep_reason_and_payload(redis: Redis, settings: Settings) -> None:
    publisher = ResultPublisher(redis, settings)
    await publisher.dead_letter("not msgpack", b"\xc1", source="job", job_id="j-1")
    [(_, fields)] = await redis.xrange(settings.keys.dead)
    assert fields == {
        b"reason": b"not msgpack",
        b"source": b"job",
        b"payload": b"\xc1",
        b"job_id": b"j-1",
    }


async def test_a_publication_ends_the_record_of_the_job_that_ran_it(
    redis: Redis, settings: Settings
) -> None:
    keys = settings.keys
    publisher = ResultPublisher(redis, settings)
    for job_id, holder in (("mine", "w1"), ("taken-over", "w2")):
        await redis.set(keys.job_starts(job_id), 1)
        await redis.hset(keys.running, job_id, holder)  # type: ignore[misc]
    reply = keys.replies("client-1")
    for job_id in ("mine", "taken-over"):
        ending = JobEnding(keys.job_starts(job_id), keys.running, job_id, "w1")
        await publisher.publish(make_result(job_id), reply_to=reply, ending=ending)
    assert not await redis.exists(keys.job_starts("mine"), keys.job_starts("taken-over"))
    # Another worker's entry (it took the job over) is left to that worker.
    assert await redis.hgetall(keys.running) == {b"taken-over": b"w2"}  # type: ignore[misc]
    assert await redis.xlen(reply) == 2
    # A result published already still ends the record of a job that ran it again.
    await redis.set(keys.job_starts("mine"), 1)
    ending = JobEnding(keys.job_starts("mine"), keys.running, "mine", "w1")
    assert not (await publisher.publish(make_result("mine"), ending=ending)).appended
    assert not await redis.exists(keys.job_starts("mine"))


async def test_a_dead_letter_ends_the_record_of_the_job_it_came_from(
    redis: Redis, settings: Settings
) -> None:
    keys = settings.keys
    publisher = ResultPublisher(redis, settings)
    await redis.hset(keys.running, mapping={"mine": "w1", "taken-over": "w2"})  # type: ignore[misc]
    await redis.mset({keys.job_starts("mine"): 1, keys.job_starts("taken-over"): 1})
    for job_id in ("mine", "taken-over"):
        ending = JobEnding(keys.job_starts(job_id), keys.running, job_id, "w1")
        await publisher.dead_letter_job("not msgpack", b"\xc1", ending)
    assert not await redis.exists(keys.job_starts("mine"), keys.job_starts("taken-over"))
    # Another worker's entry (it took the job over) is left to that worker.
    assert await redis.hgetall(keys.running) == {b"taken-over": b"w2"}  # type: ignore[misc]
    entries = [fields for _, fields in await redis.xrange(keys.dead)]
    assert len(entries) == 2 and entries[0] == {
        b"reason": b"not msgpack",
        b"source": b"job",
        b"payload": b"\xc1",
        b"job_id": b"mine",
    }
