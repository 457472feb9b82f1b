"""A Redis that lost its data is noticed: the fleet epoch vanished or changed."""

from __future__ import annotations

import logging

import pytest
from redis.asyncio import Redis

from shared.epoch import EpochWatch, current_epoch
from shared.settings import Settings


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
