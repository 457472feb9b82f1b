"""CronTrigger against an independent cron implementation (croniter) and against cron's
documented DST behaviour in Europe/Berlin (clocks change on the last Sunday of March/October)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import ConfigError, SpecError
from shared.specs import TRIGGERS, build_component
from shared.triggers import CronTrigger

BERLIN = ZoneInfo("Europe/Berlin")

EXPRESSIONS = [
    "* * * * *",
    "*/15 * * * *",
    "0 * * * *",
    "5 4 * * *",
    "0 6 * * 1-5",
    "30 8 * * mon,wed,fri",
    "0 0 * * 0",
    "0 0 * * 7",
    "0 12 1 * *",
    "0 0 1,15 * *",
    "0 0 13 * 5",  # the 13th OR a Friday
    "0 0 1,15 * 1",  # the 1st, the 15th OR a Monday
    "15 10 31 * *",
    "0 0 29 2 *",
    "0 9-17/2 * * 1-5",
    "10,40 1-3 * * *",
    "0 0 1 jan,jul *",
    "59 23 L * *",
    "0 22 * 12 sat,sun",
    "7 */3 2-9 * *",
]


def cron_ticks(trigger: CronTrigger, start: datetime, count: int) -> list[datetime]:
    ticks, moment = [], start
    for _ in range(count):
        tick = trigger.next_time(moment)
        assert tick is not None
        ticks.append(tick)
        moment = tick
    return ticks


def oracle_ticks(expression: str, start: datetime, count: int) -> list[datetime]:
    walker = croniter(expression, start)
    return [walker.get_next(datetime).astimezone(UTC) for _ in range(count)]


@pytest.mark.parametrize("expression", EXPRESSIONS)
@pytest.mark.parametrize(
    ("zone", "start", "until"),
    [
        ("UTC", datetime(2026, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)),
        ("UTC", datetime(2028, 2, 27, 13, 7, 30, tzinfo=UTC), datetime(2033, 1, 1, tzinfo=UTC)),
        # Between DST changes the two libraries must agree in zones with DST too.
        ("Europe/Berlin", datetime(2026, 10, 26, tzinfo=UTC), datetime(2027, 3, 28, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),
    ],
)
def test_matches_croniter(expression: str, zone: str, start: datetime, until: datetime) -> None:
    trigger = CronTrigger(expression=expression, timezone=zone)
    walker = croniter(expression, start.astimezone(ZoneInfo(zone)))
    expected: list[datetime] = []
    while len(expected) < 40:
        tick = walker.get_next(datetime).astimezone(UTC)
        if tick > until:
            break
        expected.append(tick)
    assert cron_ticks(trigger, start, len(expected)) == expected
    # due_times walks backwards; it must find the same ticks.
    end = expected[-1] if len(expected) == 40 else until
    assert trigger.due_times(start, end, limit=100) == expected


MINUTES = st.sampled_from(["*", "0", "30", "*/10", "5-20/5", "0,15,45", "59"])
HOURS = st.sampled_from(["*", "0", "6", "*/6", "9-17", "1,13", "23"])
DAYS = st.sampled_from(["*", "1", "13", "1,15", "28-31", "L", "10-20/3"])
MONTHS = st.sampled_from(["*", "1", "2", "*/3", "6-8", "jan,dec"])
WEEKDAYS = st.sampled_from(["*", "0", "5", "1-5", "sat,sun", "mon", "2-4"])


@settings(max_examples=150, deadline=None)
@given(
    minute=MINUTES,
    hour=HOURS,
    day=DAYS,
    month=MONTHS,
    weekday=WEEKDAYS,
    offset_h=st.integers(0, 24 * 365 * 3),
)
def test_generated_expressions_match_croniter(
    minute: str, hour: str, day: str, month: str, weekday: str, offset_h: int
) -> None:
    expression = f"{minute} {hour} {day} {month} {weekday}"
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=offset_h, minutes=17)
    trigger = CronTrigger(expression=expression)
    expected = oracle_ticks(expression, start, 12)
    assert cron_ticks(trigger, start, 12) == expected


def test_day_of_month_or_day_of_week_when_both_restricted() -> None:
    trigger = CronTrigger(expression="0 0 13 * 5")
    ticks = trigger.due_times(
        datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 30, tzinfo=UTC), 100
    )
    days = {tick.date() for tick in ticks}
    assert all(tick.day == 13 or tick.weekday() == 4 for tick in ticks)
    assert datetime(2026, 4, 13).date() in days  # a Monday the 13th
    assert datetime(2026, 2, 6).date() in days  # a Friday the 6th
    assert datetime(2026, 3, 13).date() in days  # both


def test_a_star_in_either_day_field_means_and_as_in_vixie_cron() -> None:
    # "*/2" starts with "*": cron ANDs the day fields (croniter ORs them here; we follow cron).
    trigger = CronTrigger(expression="0 0 */2 * 1")
    ticks = trigger.due_times(
        datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC), 50
    )
    assert ticks
    assert all(tick.weekday() == 0 and tick.day % 2 == 1 for tick in ticks)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)  # type: ignore[misc]


def test_spring_forward_fixed_time_runs_at_the_first_valid_minute() -> None:
    # 2026-03-29: Berlin clocks jump from 02:00 CET to 03:00 CEST; 02:30 does not exist.
    trigger = CronTrigger(expression="30 2 * * *", timezone="Europe/Berlin")
    ticks = trigger.due_times(local(2026, 3, 27), local(2026, 3, 31), 10)
    assert ticks == [
        datetime(2026, 3, 27, 1, 30, tzinfo=UTC),  # 02:30 CET
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03:00 CEST, once
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),  # 02:30 CEST
    ]


def test_spring_forward_weekday_job_keeps_local_time() -> None:
    trigger = CronTrigger(expression="0 6 * * 1-5", timezone="Europe/Berlin")
    ticks = trigger.due_times(local(2026, 3, 26), local(2026, 3, 31), 10)
    assert ticks == [
        datetime(2026, 3, 26, 5, tzinfo=UTC),  # Thu 06:00 CET
        datetime(2026, 3, 27, 5, tzinfo=UTC),  # Fri
        datetime(2026, 3, 30, 4, tzinfo=UTC),  # Mon 06:00 CEST
    ]
    assert [tick.astimezone(BERLIN).hour for tick in ticks] == [6, 6, 6]


def test_fall_back_fixed_time_runs_once() -> None:
    # 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice, cron runs it once.
    trigger = CronTrigger(expression="30 2 * * *", timezone="Europe/Berlin")
    ticks = trigger.due_times(local(2026, 10, 24), local(2026, 10, 27), 10)
    assert ticks == [
        datetime(2026, 10, 24, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the first 02:30 (CEST)
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("expression", "day", "expected"),
    [
        ("0 * * * *", (2026, 3, 29), 23),  # a 23-hour day
        ("0 * * * *", (2026, 10, 25), 25),  # a 25-hour day: real elapsed hours
        ("*/15 * * * *", (2026, 10, 25), 100),
        ("0 * * * *", (2026, 10, 26), 24),
    ],
)
def test_wildcard_hours_follow_real_time_across_dst(
    expression: str, day: tuple[int, int, int], expected: int
) -> None:
    trigger = CronTrigger(expression=expression, timezone="Europe/Berlin")
    next_day = datetime(*day) + timedelta(days=1)
    start = local(*day) - timedelta(microseconds=1)
    end = local(next_day.year, next_day.month, next_day.day) - timedelta(microseconds=1)
    ticks = trigger.due_times(start, end, 1000)
    assert len(ticks) == expected
    assert len(set(ticks)) == expected


@pytest.mark.parametrize("expression", ["30 2 * * *", "0 * * * *", "*/7 1-3 * * *", "0 6 * * 1-5"])
def test_forward_and_backward_walks_agree_across_dst(expression: str) -> None:
    trigger = CronTrigger(expression=expression, timezone="Europe/Berlin")
    for start in (local(2026, 3, 27), local(2026, 10, 23)):
        forward = []
        moment = start
        end = start + timedelta(days=4)
        while (tick := trigger.next_time(moment)) is not None and tick <= end:
            forward.append(tick)
            moment = tick
        assert trigger.due_times(start, end, 10_000) == forward


@settings(max_examples=60, deadline=None)
@given(
    minute=MINUTES,
    hour=HOURS,
    day=DAYS,
    weekday=WEEKDAYS,
    change=st.sampled_from([(2026, 3, 26), (2026, 10, 22), (2027, 3, 25), (2027, 10, 28)]),
)
def test_generated_walks_agree_across_dst(
    minute: str, hour: str, day: str, weekday: str, change: tuple[int, int, int]
) -> None:
    trigger = CronTrigger(expression=f"{minute} {hour} {day} * {weekday}", timezone="Europe/Berlin")
    start = local(*change)
    end = start + timedelta(days=6)
    forward = []
    moment = start
    while (tick := trigger.next_time(moment)) is not None and tick <= end:
        forward.append(tick)
        moment = tick
    assert trigger.due_times(start, end, 10_000) == forward
    assert len(set(forward)) == len(forward)


def test_due_times_keeps_the_most_recent() -> None:
    trigger = CronTrigger(expression="0 * * * *")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ticks = trigger.due_times(start, start + timedelta(days=30), limit=3)
    assert ticks == [start + timedelta(days=30, hours=-2 + i) for i in range(3)]
    # (after, until]: a tick at `after` is excluded, one at `until` included.
    assert trigger.due_times(start, start + timedelta(hours=1), 10) == [start + timedelta(hours=1)]
    assert trigger.due_times(start, start, 10) == []
    assert trigger.due_times(start, start + timedelta(days=1), 0) == []


def test_macros_expand() -> None:
    assert CronTrigger(expression="@hourly").expression == "0 * * * *"
    assert CronTrigger(expression="@daily").expression == "0 0 * * *"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expression": "0 6 * *"}, "expression: .*must have 5 fields"),
        ({"expression": "0 0 6 * * *"}, "expression: .*must have 5 fields"),
        ({"expression": "61 * * * *"}, "expression: .*Bad minute"),
        ({"expression": "0 0 31 2 *"}, "expression: .*Bad day-of-month"),
        ({"timezone": "Mars/Olympus"}, "timezone: .*unknown timezone 'Mars/Olympus'"),
        ({"now": "yesterday"}, "now: unknown field"),
    ],
)
def test_bad_specs_name_the_field(fields: dict[str, str], message: str) -> None:
    with pytest.raises(SpecError, match=rf"triggers\[0\]: cron: {message}"):
        build_component(TRIGGERS, {"type": "cron", **fields}, path="triggers[0]")


def test_bad_keywords_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="cron: expression"):
        CronTrigger(expression="not cron at all")
