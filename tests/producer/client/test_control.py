"""Cancelling runs and requeueing dead letters on the real Redis, without a worker: each path
of the cancel script, and a request dead letter put back on the request stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from arq.connections import ArqRedis

from producer.client.control import RunControlError, cancel_run, check_run_id
from producer.client.dead_letters import DeadLetterError, requeue_dead_letter
from shared import codec
from shared.enqueue import enqueue_run
from shared.job import CANCELLED_MESSAGE, RunRequest
from shared.publishing import ResultPublisher
from shared.redis_connection import ONE_SHOT, connect_arq
from shared.settings import Settings


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    client = await connect_arq(settings, ONE_SHOT)
    yield client
    await client.aclose()


async def test_a_queued_run_is_taken_off_and_its_result_says_cancelled(
    redis: ArqRedis, settings: Settings
) -> None:
    keys = settings.keys
    await enqueue_run(redis, keys, RunRequest(checkpoint="orders", run_id="q-1"))
    outcome = await cancel_run(redis, settings, "q-1")
    assert outcome.state == "dequeued"
    assert await redis.zcard(keys.queue) == 0 and not await redis.exists(keys.arq_job("q-1"))
    [(_, fields)] = await redis.xrange(keys.results)
    result = codec.decode_result(fields[b"result"])
    assert (result.run_id, result.checkpoint_name) == ("q-1", "orders")
    assert result.error is not None and CANCELLED_MESSAGE in result.error
    assert (await cancel_run(redis, settings, "q-1")).state == "finished"


async def test_a_running_run_is_handed_to_arq_abort_and_an_unknown_one_is_left(
    redis: ArqRedis, settings: Settings
) -> None:
    keys = settings.keys
    await enqueue_run(redis, keys, RunRequest(checkpoint="orders", run_id="r-1"))
    await redis.set(keys.arq_in_progress("r-1"), b"1")  # a worker holds it
    assert (await cancel_run(redis, settings, "r-1")).state == "aborting"
    assert await redis.zscore(keys.arq_abort, "r-1") is not None
    assert await redis.zcard(keys.queue) == 1  # the worker's to end, not ours
    assert (await cancel_run(redis, settings, "nope")).state == "unknown"
    with pytest.raises(RunControlError, match="is not a run id"):
        check_run_id("bad id")


async def test_a_request_dead_letter_goes_back_to_the_request_stream(
    redis: ArqRedis, settings: Settings
) -> None:
    keys = settings.keys
    fields = {"checkpoint": "orders", "run_id": "x-1"}
    entry = await ResultPublisher(redis, settings).dead_letter(
        "scheduler too old", json.dumps(fields).encode(), source="request", entry_id="1-0"
    )
    done = await requeue_dead_letter(redis, keys, entry)
    assert done.startswith(f"appended to {keys.requests}")
    [(_, requeued)] = await redis.xrange(keys.requests)
    assert requeued == {b"checkpoint": b"orders", b"run_id": b"x-1"}
    assert await redis.xlen(keys.dead) == 0
    with pytest.raises(DeadLetterError, match="no dead letter"):
        await requeue_dead_letter(redis, keys, entry)
