from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import ConfigError
from shared.triggers import ScheduleTrigger

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 20, 10, 17, 3, tzinfo=UTC)


def test_interval_ticks_are_aligned_to_the_epoch() -> None:
    trigger = ScheduleTrigger(interval_hours=1)
    assert trigger.next_time(T0) == datetime(2026, 3, 20, 11, tzinfo=UTC)
    assert trigger.latest_time(T0) == datetime(2026, 3, 20, 10, tzinfo=UTC)
    assert trigger.due_times(T0, T0 + timedelta(hours=3), 10) == [
        datetime(2026, 3, 20, hour, tzinfo=UTC) for hour in (11, 12, 13)
    ]


def test_interval_fields_add_up() -> None:
    trigger = ScheduleTrigger(interval_minutes=1, interval_seconds=30)
    assert trigger.interval == timedelta(seconds=90)
    tick = trigger.next_time(T0)
    assert tick is not None and tick.timestamp() % 90 == 0


def test_start_time_anchors_the_ticks_and_nothing_fires_before_it() -> None:
    start = datetime(2026, 3, 20, 10, 10, tzinfo=UTC)
    trigger = ScheduleTrigger(interval_minutes=45, start_time=start)
    assert trigger.next_time(start - timedelta(days=3)) == start
    assert trigger.latest_time(start - timedelta(seconds=1)) is None
    assert trigger.due_times(start - timedelta(days=1), start + timedelta(hours=2), 10) == [
        start,
        start + timedelta(minutes=45),
        start + timedelta(minutes=90),
    ]


def test_naive_start_and_end_are_read_in_the_timezone() -> None:
    trigger = ScheduleTrigger(
        interval_hours=24,
        start_time=datetime(2026, 1, 5, 6, 0),
        end_time=datetime(2026, 1, 7, 6, 0),
        timezone="Europe/Berlin",
    )
    ticks = trigger.due_times(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC), 10
    )
    assert ticks == [datetime(2026, 1, day, 5, tzinfo=UTC) for day in (5, 6, 7)]
    assert trigger.next_time(ticks[-1]) is None


def test_weekdays_are_read_in_the_timezone() -> None:
    # Friday 23:30 UTC is already Saturday in Berlin.
    trigger = ScheduleTrigger(
        interval_minutes=30, weekdays=["sat", "sunday"], timezone="Europe/Berlin"
    )
    assert trigger.config.weekdays == [5, 6]
    friday_late = datetime(2026, 3, 20, 22, 0, tzinfo=UTC)  # Fri 23:00 in Berlin
    assert trigger.next_time(friday_late) == datetime(2026, 3, 20, 23, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 23, 12, tzinfo=UTC)
    # Sunday 22 March ends at 24:00 CET = 23:00 UTC: the last tick is 23:30 CET.
    assert trigger.latest_time(monday) == datetime(2026, 3, 22, 22, 30, tzinfo=UTC)


@settings(max_examples=80, deadline=None)
@given(
    interval_s=st.integers(60, 3 * 86400),
    weekdays=st.sets(st.integers(0, 6), min_size=1, max_size=6),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
    offset_h=st.integers(0, 24 * 400),
    use_start=st.booleans(),
)
def test_matches_a_brute_force_enumeration(
    interval_s: int, weekdays: set[int], zone: str, offset_h: int, use_start: bool
) -> None:
    after = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=offset_h, seconds=7)
    until = after + timedelta(days=21)
    start = after + timedelta(days=2, minutes=13) if use_start else None
    trigger = ScheduleTrigger(
        interval_seconds=interval_s, weekdays=sorted(weekdays), timezone=zone, start_time=start
    )
    anchor = start or datetime(1970, 1, 1, tzinfo=UTC)
    step = timedelta(seconds=interval_s)
    tick = anchor + ((after - anchor) // step) * step
    expected = []
    while tick <= until:
        if (
            tick > after
            and tick >= anchor
            and tick.astimezone(ZoneInfo(zone)).weekday() in weekdays
        ):
            expected.append(tick)
        tick += step
    assert trigger.due_times(after, until, 100_000) == expected
    if expected:
        assert trigger.next_time(after) == expected[0]
        assert trigger.latest_time(until) == expected[-1]


def test_an_interval_that_never_lands_on_an_allowed_day_has_no_ticks() -> None:
    # Every 7 days from a Monday, but only Tuesdays allowed.
    trigger = ScheduleTrigger(
        interval_hours=24 * 7, start_time=datetime(2026, 3, 2, tzinfo=UTC), weekdays=[1]
    )
    assert trigger.next_time(datetime(2026, 3, 1, tzinfo=UTC)) is None
    assert trigger.latest_time(datetime(2027, 3, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs a positive interval"),
        ({"interval_seconds": 0}, "needs a positive interval"),
        ({"interval_minutes": -5}, "interval_minutes: .*must be >= 0"),
        ({"interval_hours": 1, "weekdays": ["funday"]}, "weekdays: .*'funday'"),
        ({"interval_hours": 1, "weekdays": [7]}, "weekdays: .*7"),
        ({"interval_hours": 1, "weekdays": []}, "weekdays: .*at least one day"),
        (
            {
                "interval_hours": 1,
                "start_time": datetime(2026, 2, 1, tzinfo=UTC),
                "end_time": datetime(2026, 1, 1, tzinfo=UTC),
            },
            "end_time is before start_time",
        ),
        ({"interval_hours": 1, "timezone": "Nowhere"}, "timezone: .*unknown timezone"),
        ({"interval_hours": 1, "every": 3}, "every: unknown field"),
    ],
)
def test_bad_config_is_a_config_error_naming_the_problem(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=rf"^schedule: .*{message}"):
        ScheduleTrigger(**fields)
