"""Cancelling runs and requeueing dead letters on the real Redis, without a worker: each path
of the cancel script, and a request dead letter put back on the request stream."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.connections import ArqRedis

from producer.client.control import (
    RunControlError,
    cancel_run,
    check_run_id,
    rerun,
    rerun_of,
    rerun_request,
)
from producer.client.dead_letters import DeadLetterError, requeue_dead_letter
from shared import codec
from shared.enqueue import enqueue_run
from shared.job import CANCELLED_MESSAGE, RunRequest
from shared.models import CheckpointResult, CheckpointStatus
from shared.publishing import ResultPublisher
from shared.redis_connection import ONE_SHOT, connect_arq
from shared.serializer import deserialize_job
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


def finished(**fields: Any) -> CheckpointResult:
    base: dict[str, Any] = {
        "run_id": "r-1",
        "checkpoint_name": "orders",
        "status": CheckpointStatus.FAILURE,
        "metadata": {"tags": {}, "context": {"day": "[red]x", "n": 2}},
        "provenance": {"origin": "scheduler:s-1", "inline": False},
    }
    return CheckpointResult(**{**base, **fields})


async def test_a_rerun_is_the_same_checkpoint_and_context_under_a_new_id_signed(
    redis: ArqRedis, settings: Settings
) -> None:
    signed = dataclasses.replace(settings, signing_key="k" * 32)
    request = await rerun(redis, signed, finished())
    assert request.checkpoint == "orders" and request.context == {"day": "[red]x", "n": 2}
    assert request.run_id not in (None, "r-1")
    assert request.origin == "client:rerun-of:r-1"
    assert request.run_id is not None
    raw = await redis.get(signed.keys.arq_job(request.run_id))
    assert raw is not None
    [payload] = deserialize_job(raw)["a"]
    assert payload["origin"] == "client:rerun-of:r-1" and "signature" in payload
    again = finished(run_id=request.run_id, provenance={"origin": request.origin})
    assert rerun_of(again) == "r-1" and rerun_of(finished()) is None


@pytest.mark.parametrize(
    "result",
    [
        finished(provenance={"origin": "client:c", "inline": True}),
        finished(checkpoint_name="<inline spec without a name>", provenance={}),
    ],
)
def test_a_run_of_an_inline_spec_cannot_be_rerun(result: CheckpointResult) -> None:
    with pytest.raises(RunControlError, match="ran an inline spec"):
        rerun_request(result)
