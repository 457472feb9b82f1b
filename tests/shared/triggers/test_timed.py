"""What time-based triggers share: once per tick for "now", ticks independent of the process."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from shared.errors import ConfigError
from shared.triggers import CronTrigger, ScheduleTrigger
from tests.shared.triggers.clock import FakeClock

T0 = datetime(2026, 3, 20, 9, 59, 30, tzinfo=UTC)


async def test_fires_once_per_tick() -> None:
    clock = FakeClock(T0)
    trigger = ScheduleTrigger(interval_hours=1, now=clock)
    await trigger.start_async()
    result = await trigger.should_trigger_async()  # at start, for the tick just passed
    assert result.should_run and result.fire_id == "2026-03-20T09:00:00+00:00"
    result = await trigger.should_trigger_async()
    assert not result.should_run
    assert result.next_run == datetime(2026, 3, 20, 10, tzinfo=UTC)

    clock.set(datetime(2026, 3, 20, 10, tzinfo=UTC))
    result = await trigger.should_trigger_async()
    assert result.should_run
    assert result.fire_time == datetime(2026, 3, 20, 10, tzinfo=UTC)
    assert result.fire_id == "2026-03-20T10:00:00+00:00"
    assert result.next_run == datetime(2026, 3, 20, 11, tzinfo=UTC)

    clock.advance(minutes=30)
    assert not (await trigger.should_trigger_async()).should_run
    clock.advance(minutes=30)
    assert (await trigger.should_trigger_async()).fire_id == "2026-03-20T11:00:00+00:00"


async def test_ticks_before_start_do_not_fire() -> None:
    clock = FakeClock(datetime(2026, 3, 20, 10, 0, 0, tzinfo=UTC))
    trigger = CronTrigger(expression="0 * * * *", now=clock)
    await trigger.start_async()
    assert not (await trigger.should_trigger_async()).should_run


async def test_after_a_stall_fires_once_for_the_latest_tick() -> None:
    clock = FakeClock(T0)
    trigger = ScheduleTrigger(interval_hours=1, now=clock)
    await trigger.start_async()
    clock.advance(hours=3)
    result = await trigger.should_trigger_async()
    assert result.should_run and "missed" in result.reason
    assert result.fire_time == datetime(2026, 3, 20, 12, tzinfo=UTC)
    assert not (await trigger.should_trigger_async()).should_run
    # The scheduler's catch-up policy sees every missed tick through due_times.
    assert len(trigger.due_times(T0, clock.now, 10)) == 3


async def test_resume_from_restores_what_was_answered() -> None:
    clock = FakeClock(datetime(2026, 3, 20, 12, 30, tzinfo=UTC))
    trigger = ScheduleTrigger(interval_hours=1, now=clock)
    trigger.resume_from(datetime(2026, 3, 20, 10, tzinfo=UTC))
    await trigger.start_async()
    result = await trigger.should_trigger_async()
    assert result.fire_time == datetime(2026, 3, 20, 12, tzinfo=UTC)


async def test_two_schedulers_agree_on_every_tick() -> None:
    """Two processes started at different times and polling at different moments fire the
    same ten ticks with the same ids: the deterministic job id makes them ten runs."""
    rng = random.Random(6)
    fired: list[list[str]] = []
    for started in (T0, T0 + timedelta(minutes=7, seconds=13)):
        clock = FakeClock(started)
        trigger = CronTrigger(expression="*/5 * * * *", now=clock)
        await trigger.start_async()
        ids = []
        while clock.now < T0 + timedelta(minutes=47):  # ticks 10:00 to 10:45
            clock.advance(seconds=rng.uniform(1, 90))
            result = await trigger.should_trigger_async()
            if result.should_run:
                assert result.fire_id is not None
                ids.append(result.fire_id)
        fired.append(ids)
    first, second = fired
    assert len(set(first)) == len(first) == 10
    assert set(second) <= set(first)
    assert len(set(first) | set(second)) == 10


async def test_disabled_never_fires() -> None:
    clock = FakeClock(T0)
    trigger = ScheduleTrigger(interval_seconds=1, enabled=False, now=clock)
    await trigger.start_async()
    clock.advance(hours=1)
    result = await trigger.should_trigger_async()
    assert not result.should_run and result.reason == "disabled"


async def test_evaluating_before_start_counts_from_the_first_evaluation() -> None:
    clock = FakeClock(T0)
    trigger = CronTrigger(expression="* * * * *", now=clock)
    assert not (await trigger.should_trigger_async()).should_run
    clock.advance(seconds=31)
    assert (await trigger.should_trigger_async()).should_run


async def test_an_interval_schedule_fires_at_start_then_on_its_cadence() -> None:
    """The reference fires ``ScheduleTrigger(interval_hours=1)`` at once, not at the next
    full hour; the start tick is the latest at or before now, the same for every process."""
    clock = FakeClock(T0)
    trigger = ScheduleTrigger(interval_hours=1, now=clock)  # evaluated before start too
    first = await trigger.should_trigger_async()
    assert first.should_run and first.fire_time == datetime(2026, 3, 20, 9, tzinfo=UTC)
    assert not (await trigger.should_trigger_async()).should_run
    clock.advance(seconds=30)
    assert (await trigger.should_trigger_async()).fire_id == "2026-03-20T10:00:00+00:00"
    later = ScheduleTrigger(interval_hours=1, now=clock, start_time=T0 + timedelta(hours=5))
    assert not (await later.should_trigger_async()).should_run  # no tick yet: nothing at start
    assert CronTrigger(expression="0 * * * *").start_tick(T0) is None  # cron waits


def test_sync_surface_for_code_written_against_the_reference() -> None:
    clock = FakeClock(T0)
    trigger = ScheduleTrigger(interval_hours=1, now=clock)
    trigger.start()
    assert trigger.running and trigger.should_trigger().should_run
    clock.advance(hours=2)
    trigger.record_run()  # the checkpoint ran now: the ticks until now are answered
    assert not trigger.should_trigger().should_run
    trigger.stop()
    assert not trigger.running


def test_run_on_weekdays_is_weekdays() -> None:
    trigger = ScheduleTrigger(interval_hours=1, run_on_weekdays=["mon", "fri"])
    assert trigger.config.weekdays == [0, 4]


def test_a_spec_cannot_smuggle_a_clock() -> None:
    with pytest.raises(ConfigError, match="now: unknown field"):
        ScheduleTrigger.from_spec({"interval_hours": 1, "now": "x"})


def test_real_clock_by_default() -> None:
    trigger = ScheduleTrigger(interval_hours=1)
    tick = trigger.latest_time(datetime.now(UTC))
    assert tick is not None and datetime.now(UTC) - tick < timedelta(hours=1, seconds=1)
