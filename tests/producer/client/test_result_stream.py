"""`ResultStream` and `ResultGroup` on the real Redis: fan-out reading resumed after a Redis
restart without gaps, and a consumer group whose killed consumer's pending entries are
reclaimed by another."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from producer.async_runner import ResultGroup, ResultStream
from shared.models import CheckpointResult, CheckpointStatus
from shared.publishing import ResultPublisher
from shared.redis_connection import connect
from shared.settings import Settings
from tests.support.processes import ManagedProcess
from tests.support.redis_server import RedisServer


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Redis]:
    redis = connect(settings)
    yield redis
    await redis.aclose()


async def publish(redis: Redis, settings: Settings, *run_ids: str) -> None:
    publisher = ResultPublisher(redis, settings)
    for run_id in run_ids:
        await publisher.publish(
            CheckpointResult(
                run_id=run_id, checkpoint_name="orders", status=CheckpointStatus.SUCCESS
            )
        )


async def take(entries: AsyncIterator[object], count: int) -> list[object]:
    taken = []
    async for entry in entries:
        taken.append(entry)
        if len(taken) == count:
            break
    return taken


async def test_fan_out_reads_from_an_id_and_decodes_results(
    client: Redis, settings: Settings
) -> None:
    await publish(client, settings, "r1", "r2")
    stream = ResultStream(client, settings.keys, after_id="0-0", block_ms=100)
    first = await stream.read()
    assert [entry.run_id for entry in first] == ["r1", "r2"]
    assert first[0].result is not None and first[0].result.run_id == "r1"
    await publish(client, settings, "r3")
    resumed = ResultStream(client, settings.keys, after_id=first[0].entry_id, block_ms=100)
    assert [entry.run_id for entry in await resumed.read()] == ["r2", "r3"]


async def test_reading_from_now_skips_the_past_and_a_bad_entry_does_not_stall(
    client: Redis, settings: Settings
) -> None:
    await publish(client, settings, "old")
    stream = ResultStream(client, settings.keys, block_ms=100)
    assert await stream.read() == []
    await client.xadd(settings.keys.results, {"run_id": "broken", "result": b"\xc1"})
    await publish(client, settings, "new")
    entries = await stream.read()
    assert [entry.run_id for entry in entries] == ["broken", "new"]
    assert entries[0].result is None and entries[0].error
    assert entries[1].result is not None


@pytest.mark.slow
async def test_a_fan_out_reader_resumes_after_a_redis_restart_without_gaps(
    client: Redis, settings: Settings, redis_server: RedisServer
) -> None:
    await publish(client, settings, "before-1", "before-2")
    stream = ResultStream(client, settings.keys, after_id="0-0", block_ms=200)
    follower = stream.follow()
    before = await take(follower, 2)
    assert [entry.run_id for entry in before] == ["before-1", "before-2"]  # type: ignore[attr-defined]

    reading = asyncio.create_task(take(follower, 3))
    await asyncio.sleep(0.3)  # the reader is blocked in XREAD when Redis goes away
    redis_server.restart()
    publisher = connect(settings)
    try:
        await publish(publisher, settings, "after-1", "after-2", "after-3")
    finally:
        await publisher.aclose()
    after = await asyncio.wait_for(reading, 30)
    assert [entry.run_id for entry in after] == ["after-1", "after-2", "after-3"]  # type: ignore[attr-defined]
    assert stream.last_id == after[-1].entry_id  # type: ignore[attr-defined]


async def test_a_group_delivers_each_entry_to_one_consumer_until_acked(
    client: Redis, settings: Settings
) -> None:
    first = ResultGroup(client, "billing", "c1", settings.keys, block_ms=100)
    second = ResultGroup(client, "billing", "c2", settings.keys, block_ms=100)
    await first.ensure_group()
    await publish(client, settings, "g1", "g2", "g3")
    got_first = await first.read()
    got_second = await second.read()
    assert [e.run_id for e in got_first] == ["g1", "g2", "g3"] and got_second == []
    assert await first.ack(*(e.entry_id for e in got_first)) == 3
    assert await second.reclaim() == []  # acked entries are never handed out again


async def test_a_consumer_restarted_under_its_name_resumes_with_its_pending_entries(
    client: Redis, settings: Settings
) -> None:
    before = ResultGroup(client, "archive", "a1", settings.keys, block_ms=100)
    await before.ensure_group()
    await publish(client, settings, "p1", "p2", "p3")
    assert len(await before.read(count=2)) == 2  # then it crashed without acking
    assert await before.backlog() == 3
    after = ResultGroup(client, "archive", "a1", settings.keys, block_ms=100)
    assert [entry.run_id for entry in await after.read_pending()] == ["p1", "p2"]
    assert await after.read_pending() == []
    assert [entry.run_id for entry in await after.read()] == ["p3"]


CONSUMER_SCRIPT = """
import asyncio, sys
from producer.async_runner import ResultGroup
from shared.redis_connection import connect
from shared.settings import Settings

async def main():
    settings = Settings.from_env({"CHECKFLEET_REDIS_URL": sys.argv[1]})
    group = ResultGroup(connect(settings), "audit", "doomed", settings.keys, block_ms=100)
    seen = 0
    async for entry in group.consume():  # never acks: dies with its entries pending
        seen += 1
        print("took", entry.run_id, flush=True)
        if seen == 3:
            print("holding", flush=True)
            await asyncio.Event().wait()

asyncio.run(main())
"""


@pytest.mark.slow
async def test_entries_a_killed_consumer_left_pending_are_reclaimed(
    client: Redis, settings: Settings, tmp_path: Path
) -> None:
    survivor = ResultGroup(
        client, "audit", "survivor", settings.keys, claim_idle_s=0.3, block_ms=100
    )
    await survivor.ensure_group()
    await publish(client, settings, "a1", "a2", "a3")
    doomed = ManagedProcess(
        "doomed-consumer", [sys.executable, "-c", CONSUMER_SCRIPT, settings.redis_url], {}, tmp_path
    )
    try:
        await asyncio.to_thread(doomed.wait_for_log, "holding")
    finally:
        doomed.stop()  # SIGKILL: no chance to ack or clean up
    pending = await client.xpending(settings.keys.results, "audit")
    assert pending["pending"] == 3
    await publish(client, settings, "a4")
    await asyncio.sleep(0.35)
    entries = await asyncio.wait_for(take(survivor.consume(), 4), 10)
    assert sorted(e.run_id for e in entries) == ["a1", "a2", "a3", "a4"]  # type: ignore[attr-defined]
    await survivor.ack(*(e.entry_id for e in entries))  # type: ignore[attr-defined]
    assert (await client.xpending(settings.keys.results, "audit"))["pending"] == 0
