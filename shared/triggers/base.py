"""`TimedTrigger`: what the time-based triggers (schedule, cron) share.

A timed trigger is a set of ticks. Subclasses say which tick follows a moment and which is the
latest at or before it; from these the base answers `due_times` (for the scheduler's catch-up
policies) and `should_trigger_async` (for "now", once per tick). Ticks depend only on the
config, never on when a process started or last ran, so every scheduler computes the same ones.
Time comes from an injectable clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Generic, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator

from shared.async_base.trigger import AsyncBaseTrigger, TriggerConfig, TriggerResult

#: A clock: returns the current time, timezone-aware.
Clock = Callable[[], datetime]

_RESOLUTION = timedelta(microseconds=1)


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def tick_id(tick: datetime) -> str:
    """The deterministic identity of a tick: its ISO time in UTC."""
    return as_utc(tick).isoformat()


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; `ValueError` (a config error) when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r} (expected an IANA name)") from None


class TimedTriggerConfig(TriggerConfig):
    """Fields of every time-based trigger."""

    #: IANA zone the trigger's wall-clock fields (cron fields, weekdays) are read in.
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        load_zone(value)
        return value


TimedConfigT = TypeVar("TimedConfigT", bound=TimedTriggerConfig)


class TimedTrigger(AsyncBaseTrigger[TimedConfigT], Generic[TimedConfigT]):
    """Base of triggers that fire at ticks computed from their config.

    With `fires_at_start` (interval schedules, as the reference framework's), a trigger that
    has no recorded tick fires at once for the latest tick at or before now, then on its
    cadence; that tick is the same for every scheduler, so several starting together enqueue
    it once (deterministic fire id).
    """

    #: Whether the latest tick fires at start when none was recorded.
    fires_at_start: ClassVar[bool] = False

    def __init__(
        self, config: TimedConfigT | None = None, /, *, now: Clock | None = None, **overrides: Any
    ) -> None:
        super().__init__(config, **overrides)
        self._now: Clock = now or utc_now
        self._zone = load_zone(self.config.timezone)
        #: Ticks at or before this moment have been answered (or predate the trigger).
        self._answered_until: datetime | None = None

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Self:
        # Built from the config alone, so a spec cannot pass a clock (``now``) by accident.
        model = type(cls._default_config())
        return cls(cls._validate_config(model, spec))

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    # -- what subclasses provide ---------------------------------------------------------------

    def next_time(self, after: datetime) -> datetime | None:
        """The first tick strictly after `after` (UTC), or None when there is none."""
        raise NotImplementedError

    def latest_time(self, at_or_before: datetime) -> datetime | None:
        """The last tick at or before `at_or_before` (UTC), or None when there is none."""
        raise NotImplementedError

    # -- what the base derives -----------------------------------------------------------------

    def due_times(self, after: datetime, until: datetime, limit: int) -> list[datetime]:
        """The ticks in (`after`, `until`], oldest first, keeping only the `limit` most recent.

        Catch-up policies map onto it: ``latest`` is ``limit=1``, ``all`` up to N is
        ``limit=N``. Walks backwards from `until`, so a long downtime costs `limit` steps.
        """
        start, end = as_utc(after), as_utc(until)
        ticks: list[datetime] = []
        tick = self.latest_time(end)
        while tick is not None and tick > start and len(ticks) < limit:
            ticks.append(tick)
            tick = self.latest_time(tick - _RESOLUTION)
        ticks.reverse()
        return ticks

    def resume_from(self, moment: datetime) -> None:
        """Treat every tick at or before `moment` as answered (a scheduler restoring its state
        after it applied its catch-up policy)."""
        self._answered_until = as_utc(moment)

    def start_tick(self, now: datetime) -> datetime | None:
        """The tick to fire at start when none was recorded: the latest at or before `now`
        for `fires_at_start` triggers, else None."""
        return self.latest_time(as_utc(now)) if self.fires_at_start else None

    def _answer_from(self, now: datetime) -> datetime:
        tick = self.start_tick(now)
        return tick - _RESOLUTION if tick is not None else now

    async def start_async(self) -> None:
        await super().start_async()
        if self._answered_until is None:
            self._answered_until = self._answer_from(as_utc(self._now()))

    def record_run(self, run_time: datetime | None = None) -> None:
        """A run happened at `run_time` (now by default): ticks up to it are answered."""
        self.resume_from(run_time or self._now())

    async def should_trigger_async(self) -> TriggerResult:
        """Fires once for the latest tick since the last answer; earlier ones are skipped here
        (use `due_times` to catch them up)."""
        now = as_utc(self._now())
        if not self.enabled:
            return TriggerResult(should_run=False, reason="disabled")
        if self._answered_until is None:  # evaluated before start: as if started now
            self._answered_until = self._answer_from(now)
        due = self.due_times(self._answered_until, now, limit=2)
        next_run = self.next_time(now)
        if not due:
            return TriggerResult(should_run=False, reason="no tick due", next_run=next_run)
        tick = due[-1]
        self._answered_until = tick
        reason = f"{self.trigger_type} tick {tick_id(tick)}"
        if len(due) > 1:
            reason += " (earlier ticks were missed)"
        return TriggerResult(
            should_run=True,
            reason=reason,
            next_run=next_run,
            fire_time=tick,
            fire_id=tick_id(tick),
        )
