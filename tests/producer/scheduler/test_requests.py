"""The request stream: parsing, enqueueing, acknowledging, dead letters, claiming."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis

from producer.scheduler.requests import RequestConsumer, parse_request
from shared.errors import MalformedRequestError
from shared.firing.redis import RedisFiringDecider
from shared.keys import Keys
from shared.publishing import ResultPublisher
from shared.settings import Settings
from tests.support.queue import queued_job_ids, queued_requests

KEYS = Keys()


def consumer_for(
    redis: Redis, settings: Settings, name: str = "scheduler-a", **options: object
) -> RequestConsumer:
    return RequestConsumer(
        redis,
        KEYS,
        RedisFiringDecider(redis, KEYS),
        ResultPublisher(redis, settings),
        consumer=name,
        block_ms=10,
        **options,  # type: ignore[arg-type]
    )


async def pending_count(redis: Redis) -> int:
    summary = await redis.xpending(KEYS.requests, KEYS.schedulers_group)
    return int(summary["pending"])


def test_parse_a_full_request() -> None:
    request = parse_request(
        "1-0", {b"checkpoint": b"orders", b"run_id": b"r-1", b"context": b'{"by": "billing"}'}
    )
    assert (request.checkpoint, request.run_id, request.context) == (
        "orders",
        "r-1",
        {"by": "billing"},
    )


def test_parse_derives_the_run_id_from_the_entry() -> None:
    assert parse_request("17-3", {b"checkpoint": b"orders"}).run_id == "request-17-3"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "field 'checkpoint' is missing or empty"),
        ({b"checkpoint": b"  "}, "field 'checkpoint' is missing or empty"),
        ({b"checkpoint": b"o", b"runid": b"x"}, "unknown field 'runid'; known: checkpoint"),
        ({b"checkpoint": b"o", b"context": b"{nope"}, "field 'context' is not valid JSON"),
        ({b"checkpoint": b"o", b"context": b"[1, 2]"}, "field 'context' must be a JSON object"),
        ({b"checkpoint": b"o", b"run_id": b"has space"}, "field 'run_id': String should match"),
        ({b"checkpoint": b"\xff"}, "field b'checkpoint' is not UTF-8 text"),
    ],
)
def test_parse_names_what_is_malformed(fields: dict[bytes, bytes], message: str) -> None:
    with pytest.raises(MalformedRequestError) as caught:
        parse_request("1-0", fields)
    assert str(caught.value).startswith(message)


async def test_request_is_enqueued_with_its_run_id_then_acknowledged(
    redis: Redis, settings: Settings
) -> None:
    consumer = consumer_for(redis, settings)
    await redis.xadd(
        KEYS.requests, {"checkpoint": "orders", "run_id": "r-1", "context": '{"by": "x"}'}
    )
    first_id = (await redis.xrange(KEYS.requests))[0][0].decode()
    entry_id = (await redis.xadd(KEYS.requests, {"checkpoint": "orders"})).decode()
    assert await consumer.step() == 2
    assert await queued_requests(redis) == {
        "r-1": {
            "checkpoint": "orders",
            "run_id": "r-1",
            "context": {"by": "x"},
            "origin": f"request-stream:{first_id}",
        },
        f"request-{entry_id}": {
            "checkpoint": "orders",
            "run_id": f"request-{entry_id}",
            "origin": f"request-stream:{entry_id}",
        },
    }
    assert await pending_count(redis) == 0
    assert consumer.enqueued == 2


async def test_requests_written_before_any_scheduler_are_served(
    redis: Redis, settings: Settings
) -> None:
    await redis.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "early"})
    assert await consumer_for(redis, settings).step() == 1
    assert await queued_job_ids(redis) == ["early"]


async def test_same_run_id_twice_runs_once(redis: Redis, settings: Settings) -> None:
    consumer = consumer_for(redis, settings)
    for _ in range(2):
        await redis.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "r-1"})
    await consumer.step()
    assert await queued_job_ids(redis) == ["r-1"]
    assert (consumer.enqueued, consumer.duplicates) == (1, 1)
    assert await pending_count(redis) == 0


async def test_malformed_request_goes_to_dead_letters_and_is_acknowledged(
    redis: Redis, settings: Settings
) -> None:
    consumer = consumer_for(redis, settings)
    entry_id = (await redis.xadd(KEYS.requests, {"checkpoint": "o", "context": "[1]"})).decode()
    await consumer.step()
    assert await queued_job_ids(redis) == []
    assert await pending_count(redis) == 0
    ((_, fields),) = await redis.xrange(KEYS.dead)
    assert fields[b"reason"] == b"field 'context' must be a JSON object"
    assert fields[b"source"] == b"request"
    assert fields[b"entry_id"] == entry_id.encode()
    assert json.loads(fields[b"payload"]) == {"checkpoint": "o", "context": "[1]"}


async def test_a_dead_schedulers_pending_request_is_claimed(
    redis: Redis, settings: Settings
) -> None:
    dead = consumer_for(redis, settings, "scheduler-dead")
    await dead.ensure_group()
    await redis.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "r-1"})
    # the dead scheduler read the entry and died before enqueueing it
    await redis.xreadgroup(KEYS.schedulers_group, "scheduler-dead", {KEYS.requests: ">"})
    assert await pending_count(redis) == 1
    alive = consumer_for(redis, settings, "scheduler-b", claim_idle_s=0.05)
    for _ in range(100):  # until the entry was idle long enough to be claimed
        if await alive.step():
            break
    assert await queued_job_ids(redis) == ["r-1"]
    assert await pending_count(redis) == 0


async def test_a_restarted_consumer_rereads_its_own_pending(
    redis: Redis, settings: Settings
) -> None:
    first = consumer_for(redis, settings, "scheduler-a")
    await first.ensure_group()
    await redis.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "r-1"})
    await redis.xreadgroup(KEYS.schedulers_group, "scheduler-a", {KEYS.requests: ">"})
    again = consumer_for(redis, settings, "scheduler-a")  # same name, long claim idle
    assert await again.step() == 1
    assert await queued_job_ids(redis) == ["r-1"]


async def test_deleted_stream_recreates_the_group(redis: Redis, settings: Settings) -> None:
    consumer = consumer_for(redis, settings)
    await consumer.step()
    await redis.delete(KEYS.requests)
    assert await consumer.step() == 0
    await redis.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "r-2"})
    await consumer.step()
    assert await queued_job_ids(redis) == ["r-2"]
