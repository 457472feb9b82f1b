"""`ScheduleTrigger`: fires every fixed interval, optionally within a window and on some weekdays.

Ticks are ``anchor + k * interval`` where the anchor is `start_time`, else the Unix epoch, so
they never depend on when a process started or last ran: every scheduler computes the same
ticks. ``interval_hours=1`` fires at each full UTC hour, and at start (as the reference
framework does) for the latest tick when none was recorded or the last one is overdue.
Weekdays are read in `timezone` (``run_on_weekdays`` is accepted for ``weekdays``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar

from pydantic import field_validator, model_validator

from shared.triggers.base import Clock, TimedTrigger, TimedTriggerConfig, as_utc, load_zone

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NUMBERS = {name: n for n, full in enumerate(WEEKDAY_NAMES) for name in (full, full[:3])}
#: How many disallowed days a search may skip before concluding no tick is ever allowed (an
#: interval of whole weeks that always lands on an excluded weekday).
_MAX_SKIPS = 1000


def parse_weekday(value: object) -> int:
    """0 (Monday) to 6 (Sunday), from that number or an English day name (``"mon"``, ...)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value.strip().lower() in _DAY_NUMBERS:
        return _DAY_NUMBERS[value.strip().lower()]
    raise ValueError(f"weekday {value!r} is not 0 (Monday) to 6 (Sunday) or a day name")


class ScheduleConfig(TimedTriggerConfig):
    """``{"type": "schedule", "interval_hours": 1}``; the interval is the sum of the fields."""

    interval_seconds: float | None = None
    interval_minutes: float | None = None
    interval_hours: float | None = None
    #: First tick and anchor of the ticks; naive times are read in `timezone`.
    start_time: datetime | None = None
    #: No tick after this moment; naive times are read in `timezone`.
    end_time: datetime | None = None
    #: Days on which ticks fire (0 = Monday, or names); None means every day.
    weekdays: list[int] | None = None

    field_aliases: ClassVar[dict[str, str]] = {"run_on_weekdays": "weekdays"}

    @field_validator("weekdays", mode="before")
    @classmethod
    def _parse_weekdays(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (str, int)):
            value = [value]
        days = sorted({parse_weekday(item) for item in value})
        if not days:
            raise ValueError("must name at least one day (omit it for every day)")
        return days

    @field_validator("interval_seconds", "interval_minutes", "interval_hours")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and value < 0:
            raise ValueError("must be >= 0")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ScheduleConfig:
        if self.interval <= timedelta(0):
            raise ValueError(
                "needs a positive interval_seconds, interval_minutes or interval_hours"
            )
        if self.start_time and self.end_time:
            if _aware(self.end_time, self.timezone) < _aware(self.start_time, self.timezone):
                raise ValueError("end_time is before start_time")
        return self

    @property
    def interval(self) -> timedelta:
        return timedelta(
            seconds=self.interval_seconds or 0,
            minutes=self.interval_minutes or 0,
            hours=self.interval_hours or 0,
        )


def _aware(moment: datetime, zone_name: str) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=load_zone(zone_name)).astimezone(UTC)
    return moment.astimezone(UTC)


class ScheduleTrigger(TimedTrigger[ScheduleConfig]):
    """Fires every `interval` from `start_time` (else the epoch) until `end_time`."""

    trigger_type = "schedule"
    fires_at_start = True

    def __init__(
        self,
        config: ScheduleConfig | None = None,
        /,
        *,
        now: Clock | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(config, now=now, **overrides)
        # The default config is built unvalidated (it has no interval): validate what we got.
        self._config = self._validate_config(
            ScheduleConfig, self._config.model_dump(exclude_unset=True)
        )
        cfg = self._config
        self._interval = cfg.interval
        self._start = _aware(cfg.start_time, cfg.timezone) if cfg.start_time else None
        self._end = _aware(cfg.end_time, cfg.timezone) if cfg.end_time else None
        self._anchor = self._start or EPOCH
        self._weekdays = frozenset(cfg.weekdays) if cfg.weekdays is not None else None

    @classmethod
    def _default_config(cls) -> ScheduleConfig:
        return ScheduleConfig.model_construct()

    @property
    def interval(self) -> timedelta:
        return self._interval

    def _tick(self, index: int) -> datetime:
        return self._anchor + index * self._interval

    def _first_index_at_or_after(self, moment: datetime) -> int:
        return -((self._anchor - moment) // self._interval)

    def _allowed(self, tick: datetime) -> bool:
        return self._weekdays is None or tick.astimezone(self.zone).weekday() in self._weekdays

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)

    def next_time(self, after: datetime) -> datetime | None:
        index = (as_utc(after) - self._anchor) // self._interval + 1
        if self._start is not None:
            index = max(index, 0)
        for _ in range(_MAX_SKIPS):
            tick = self._tick(index)
            if self._end is not None and tick > self._end:
                return None
            if self._allowed(tick):
                return tick
            # Jump to the first tick of the next local day instead of stepping through this one.
            next_day = tick.astimezone(self.zone).date() + timedelta(days=1)
            index = max(index + 1, self._first_index_at_or_after(self._day_start(next_day)))
        return None

    def latest_time(self, at_or_before: datetime) -> datetime | None:
        moment = as_utc(at_or_before)
        if self._end is not None:
            moment = min(moment, self._end)
        index = (moment - self._anchor) // self._interval
        for _ in range(_MAX_SKIPS):
            if self._start is not None and index < 0:
                return None
            tick = self._tick(index)
            if self._allowed(tick):
                return tick
            # Jump to the last tick before this local day began.
            day_start = self._day_start(tick.astimezone(self.zone).date())
            index = min(index - 1, self._first_index_at_or_after(day_start) - 1)
        return None
