"""Trigger drivers in-process: catch-up, overlap, files, events (real Redis, real files)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.checkpoint import Checkpoint
from shared.firing.base import Outcome, epoch_us
from shared.firing.driver import RETRIABLE_ERRORS, TriggerDriver
from shared.firing.redis import RedisFiringDecider
from shared.keys import Keys
from shared.triggers import CronTrigger, ScheduleTrigger
from shared.triggers.base import TimedTrigger
from tests.shared.triggers.clock import FakeClock
from tests.support.queue import queued_job_ids, queued_requests
from tests.support.redis_server import RedisServer

KEYS = Keys()
T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def minute_driver(
    redis: Redis,
    clock: FakeClock,
    *,
    start: datetime | None = None,
    trigger: TimedTrigger[Any] | None = None,
    **checkpoint_fields: Any,
) -> TriggerDriver:
    """A driver of a one-minute schedule (or `trigger`); with `start` (after the clock)
    nothing fires at start, for tests about what follows."""
    if trigger is None:
        trigger = ScheduleTrigger(name="every", interval_minutes=1, start_time=start, now=clock)
    checkpoint = Checkpoint("orders", "orders.csv", validators=["null"], **checkpoint_fields)
    checkpoint.add_trigger(trigger)
    return TriggerDriver(
        checkpoint,
        trigger,
        redis=redis,
        keys=KEYS,
        decider=RedisFiringDecider(redis, KEYS),
        consumer="scheduler-a",
        clock=clock,
    )


def tick_job(minute: int) -> str:
    return f"orders:every:{T0.replace(minute=minute).isoformat()}"


async def test_first_start_fires_the_latest_tick_once_and_remembers_the_moment(
    redis: Redis,
) -> None:
    clock = FakeClock(T0.replace(minute=5, second=30))
    driver = minute_driver(redis, clock, catch_up="all", overlap="allow")
    other = minute_driver(redis, clock, catch_up="all", overlap="allow")  # a second scheduler
    await driver.start()
    await other.start()
    assert await queued_job_ids(redis) == [tick_job(5)]  # one firing, not one per scheduler
    assert await driver.remembered_tick() == epoch_us(T0.replace(minute=5))
    assert await driver.step() is False and await other.step() is False


async def test_first_start_of_a_cron_trigger_catches_nothing_up(redis: Redis) -> None:
    clock = FakeClock(T0.replace(minute=5, second=30))
    trigger = CronTrigger(name="every", expression="* * * * *", now=clock)
    driver = minute_driver(redis, clock, trigger=trigger)
    await driver.start()
    assert await queued_job_ids(redis) == []


@pytest.mark.parametrize(
    ("policy", "limit", "expected_minutes"),
    # An interval schedule fires an overdue tick at start even with catch_up: none.
    [("none", 10, [5]), ("latest", 10, [5]), ("all", 10, [1, 2, 3, 4, 5]), ("all", 3, [3, 4, 5])],
)
async def test_catch_up_after_downtime(
    redis: Redis, policy: str, limit: int, expected_minutes: list[int]
) -> None:
    await redis.set(KEYS.last_tick("orders", "every"), epoch_us(T0))  # handled 03:00, then down
    clock = FakeClock(T0.replace(minute=5, second=30))
    driver = minute_driver(redis, clock, catch_up=policy, catch_up_limit=limit, overlap="allow")
    await driver.start()
    assert await queued_job_ids(redis) == [tick_job(minute) for minute in expected_minutes]
    for job_id, request in (await queued_requests(redis)).items():
        assert request["context"]["catch_up"] is True and request["run_id"] == job_id
    assert await driver.step() is False  # the caught-up ticks do not fire again
    clock.set(T0.replace(minute=6, second=1))
    assert await driver.step() is True
    assert (await queued_job_ids(redis))[-1] == tick_job(6)


async def test_a_second_scheduler_does_not_catch_up_what_the_first_handled(
    redis: Redis,
) -> None:
    clock = FakeClock(T0.replace(second=30))
    first = minute_driver(redis, clock, catch_up="all", overlap="allow", start=T0.replace(minute=1))
    await first.start()
    clock.set(T0.replace(minute=1, second=1))
    assert await first.step() is True
    second = minute_driver(
        redis, clock, catch_up="all", overlap="allow", start=T0.replace(minute=1)
    )
    await second.start()
    assert await second.step() is False
    assert await queued_job_ids(redis) == [tick_job(1)]


async def test_overlap_skip_is_counted_and_logged(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(T0.replace(second=30))
    driver = minute_driver(redis, clock, start=T0.replace(minute=1))  # overlap skip by default
    await driver.start()
    clock.set(T0.replace(minute=1, second=1))
    assert await driver.step() is True
    clock.set(T0.replace(minute=2, second=1))
    with caplog.at_level(logging.WARNING, logger="shared.firing.driver"):
        assert await driver.step() is True
    assert "skipped orders:every:2026-11-28T03:02:00+00:00" in caplog.text
    assert driver.outcomes[Outcome.SKIPPED] == 1
    assert await driver.overlap_skips() == 1
    assert await queued_job_ids(redis) == [tick_job(1)]


async def test_overlap_queue_latest_starts_the_latest_tick_after_the_run(redis: Redis) -> None:
    clock = FakeClock(T0.replace(second=30))
    driver = minute_driver(redis, clock, overlap="queue_latest", start=T0.replace(minute=1))
    await driver.start()
    for minute in (1, 2, 3):
        clock.set(T0.replace(minute=minute, second=1))
        assert await driver.step() is True
    assert driver.outcomes[Outcome.DEFERRED] == 2
    assert await queued_job_ids(redis) == [tick_job(1)]
    await redis.delete(Keys.arq_job(tick_job(1)))  # the run ended
    await redis.zrem(KEYS.queue, tick_job(1))
    assert await driver.step() is False  # no new tick, but the deferred one is released
    assert await queued_job_ids(redis) == [tick_job(3)]


async def test_a_firing_that_met_a_redis_outage_is_submitted_when_redis_is_back(
    redis: Redis, redis_server: RedisServer
) -> None:
    clock = FakeClock(T0.replace(second=30))
    driver = minute_driver(redis, clock)
    await driver.start()
    clock.set(T0.replace(minute=1, second=1))
    redis_server.stop()
    with pytest.raises(RETRIABLE_ERRORS):
        await driver.step()
    redis_server.start()
    clock.set(T0.replace(minute=1, second=20))  # no new tick: only the kept firing can run
    assert await driver.step() is True
    assert await queued_job_ids(redis) == [tick_job(1)]
