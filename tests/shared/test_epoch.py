"""A Redis that lost its data is noticed: the fleet epoch vanished or changed."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.epoch import EpochWatch, current_epoch
from shared.settings import Settings
from tests.support.sentinel import SentinelSet


@pytest.fixture
async def redis(settings: Settings) -> Redis:
    client = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


async def test_every_process_adopts_the_same_epoch(redis: Redis, settings: Settings) -> None:
    first = EpochWatch(redis, settings.keys, role="worker")
    second = EpochWatch(redis, settings.keys, role="scheduler")
    assert await first.adopt() == await second.adopt() == await current_epoch(redis, settings.keys)
    assert not await first.check()


async def test_a_flush_is_an_error_naming_what_may_be_lost(
    redis: Redis, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    watch = EpochWatch(redis, settings.keys, role="worker", what_else="2 runs in flight")
    before = await watch.adopt()
    await redis.flushall()
    with caplog.at_level(logging.ERROR):
        assert await watch.check()
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = record.getMessage()
    assert f"the fleet epoch {before} is missing" in message
    assert "runs queued and not yet started" in message and "2 runs in flight" in message
    assert watch.epoch != before and not await watch.check()


@pytest.mark.slow
@pytest.mark.timeout(90)
@pytest.mark.parametrize("lossy", [True, False], ids=["replica-lagged", "replica-in-sync"])
async def test_a_failover_that_lost_writes_is_an_error_one_that_did_not_is_quiet(
    lossy: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from shared.redis_connection import connect

    servers = SentinelSet()
    servers.start()
    try:
        settings = Settings.from_env({"CHECKFLEET_REDIS_URL": servers.url})
        redis = connect(settings)
        watch = EpochWatch(redis, settings.keys, role="worker")
        await watch.adopt()
        await redis.set("before", 1)
        assert not await watch.check()
        if lossy:
            servers.cut_off_replica()
        await redis.set("after", 1)  # lossy: on the master only
        assert not await watch.check()  # this check sees the master past what the replica has
        if not lossy:
            _wait_until_replicated(servers)
        with caplog.at_level(logging.ERROR):
            servers.fail_over()
            assert await _check_through_failover(watch) is lossy
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        if lossy:
            (message,) = errors
            assert "a failover lost writes" in message and "bytes of writes made since" in message
            assert "runs queued and not yet started" in message
        else:
            assert errors == []
        assert await redis.get("before") == b"1"
        assert await redis.get("after") == (None if lossy else b"1")
        assert not await watch.check()  # reported once
        await redis.aclose()
    finally:
        servers.close()


def _wait_until_replicated(servers: SentinelSet) -> None:
    master, replica = servers.master.client(), servers.replica.client()
    try:
        wanted = int(master.info("replication")["master_repl_offset"])
        for _ in range(100):
            if int(replica.info("replication")["slave_repl_offset"]) >= wanted:
                return
            time.sleep(0.05)
        raise AssertionError("the replica never caught up")
    finally:
        master.close()
        replica.close()


async def _check_through_failover(watch: EpochWatch) -> bool:
    """`watch.check()` once Redis answers again after the failover."""
    for _ in range(50):
        try:
            return await watch.check()
        except (RedisError, OSError):
            await asyncio.sleep(0.2)
    raise AssertionError("Redis never answered after the failover")
