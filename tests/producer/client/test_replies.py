"""`ReplyReader`: a client waits for its own runs on its reply stream, or finds a result
published before it started waiting in the per-run copy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from producer.client.replies import ReplyReader
from shared.models import CheckpointResult, CheckpointStatus
from shared.publishing import ResultPublisher
from shared.redis_connection import connect
from shared.settings import Settings


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Redis]:
    redis = connect(settings)
    yield redis
    await redis.aclose()


def result(run_id: str) -> CheckpointResult:
    return CheckpointResult(
        run_id=run_id, checkpoint_name="orders", status=CheckpointStatus.SUCCESS
    )


async def test_a_waiting_client_gets_its_result_from_its_reply_stream(
    client: Redis, settings: Settings
) -> None:
    reader = ReplyReader(client, settings.keys, "me", block_ms=100, recheck_s=30)
    publisher = ResultPublisher(client, settings)
    waits = [asyncio.create_task(reader.wait(f"run-{i}")) for i in range(3)]
    await asyncio.sleep(0.1)
    for i in reversed(range(3)):
        await publisher.publish(result(f"run-{i}"), reply_to=reader.stream)
    # recheck_s is long: only the reply stream can deliver them this fast
    got = await asyncio.wait_for(asyncio.gather(*waits), 5)
    assert [r.run_id for r in got] == ["run-0", "run-1", "run-2"]
    assert reader.waiting == 0
    await asyncio.sleep(0.2)
    assert await client.xlen(reader.stream) == 0  # delivered entries are removed
    await reader.aclose()
    assert not await client.exists(reader.stream)


async def test_a_wait_that_starts_late_finds_the_stored_result(
    client: Redis, settings: Settings
) -> None:
    await ResultPublisher(client, settings).publish(result("early"))
    reader = ReplyReader(client, settings.keys, "late", block_ms=100)
    try:
        assert (await asyncio.wait_for(reader.wait("early"), 5)).run_id == "early"
    finally:
        await reader.aclose()


async def test_a_run_published_without_a_reply_is_found_by_the_recheck(
    client: Redis, settings: Settings
) -> None:
    reader = ReplyReader(client, settings.keys, "other", block_ms=100, recheck_s=0.1)
    try:
        waiting = asyncio.create_task(reader.wait("elsewhere"))
        await asyncio.sleep(0.2)
        await ResultPublisher(client, settings).publish(result("elsewhere"))
        assert (await asyncio.wait_for(waiting, 5)).run_id == "elsewhere"
    finally:
        await reader.aclose()


async def test_a_reply_read_before_its_wait_starts_is_kept_for_it(
    client: Redis, settings: Settings
) -> None:
    reader = ReplyReader(client, settings.keys, "quick", block_ms=100, recheck_s=30)
    reader.start()
    try:
        await ResultPublisher(client, settings).publish(result("fast"), reply_to=reader.stream)
        await asyncio.sleep(0.3)  # read by now, with nobody waiting
        await client.delete(settings.keys.run_result("fast"))  # so only the reader has it
        got = await asyncio.wait_for(reader.wait("fast", submitted=True), 1)
        assert got.run_id == "fast"
    finally:
        await reader.aclose()


async def lookups(client: Redis) -> dict[str, int]:
    """Calls of the commands a wait uses to tell whether its run is known: its job and lease
    (EXISTS), its running record (HEXISTS). (Its GET of the per-run copy is not counted: the
    publish script calls GET too.)"""
    stats = await client.info("commandstats")
    return {
        name: stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("exists", "hexists")
    }


async def test_a_wait_for_a_run_just_submitted_reads_nothing_but_its_reply(
    client: Redis, settings: Settings
) -> None:
    reader = ReplyReader(client, settings.keys, "lean", block_ms=100, recheck_s=30)
    publisher = ResultPublisher(client, settings)
    reader.start()
    try:
        await asyncio.sleep(0.1)
        before = await lookups(client)
        for index in range(5):
            waiting = asyncio.create_task(reader.wait(f"lean-{index}", submitted=True))
            await asyncio.sleep(0)
            await publisher.publish(result(f"lean-{index}"), reply_to=reader.stream)
            assert (await asyncio.wait_for(waiting, 5)).run_id == f"lean-{index}"
        assert await lookups(client) == before  # no look for the run in Redis
    finally:
        await reader.aclose()
