"""`CronTrigger`: fires at the ticks of a 5-field cron expression read in a timezone.

The expression is evaluated by cronsim rather than croniter. Both are maintained; cronsim was
chosen because it is small, typed, dependency-free and follows Debian/Vixie cron exactly,
including daylight-saving time: a job at a fixed time (minute and hour not ``*``) runs once on
the day the clocks go back (croniter runs it twice) and at the first valid minute after the gap
on the day they go forward; a job with a ``*`` minute or hour follows real elapsed time. Day of
month and day of week combine as in cron: OR when both are restricted, AND when either starts
with ``*`` (so ``*/2`` in one of them means AND, as in Vixie cron). Both walk field by field,
never second by second, and cronsim also walks backwards, which `due_times` uses.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cronsim import CronSim, CronSimError
from pydantic import field_validator

from shared.triggers.base import Clock, TimedTrigger, TimedTriggerConfig, as_utc

#: The usual shorthands, expanded before parsing.
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_ONE_SECOND = timedelta(seconds=1)
_PROBE = datetime(2000, 1, 1)


def expand_expression(expression: str) -> str:
    """The 5-field form of `expression`; `ValueError` naming the problem when it is not one."""
    text = " ".join(expression.split())
    text = MACROS.get(text.lower(), text)
    if len(text.split()) != 5:
        raise ValueError(
            f"cron expression {expression!r} must have 5 fields "
            "(minute hour day-of-month month day-of-week)"
        )
    try:
        CronSim(text, _PROBE)
    except CronSimError as exc:
        raise ValueError(f"cron expression {expression!r}: {exc}") from None
    return text


class CronConfig(TimedTriggerConfig):
    """``{"type": "cron", "expression": "0 6 * * 1-5", "timezone": "Europe/Berlin"}``"""

    expression: str = "@daily"

    @field_validator("expression")
    @classmethod
    def _valid_expression(cls, value: str) -> str:
        expand_expression(value)
        return value


class CronTrigger(TimedTrigger[CronConfig]):
    """Fires at each tick of `expression` in `timezone`."""

    trigger_type = "cron"

    def __init__(
        self, config: CronConfig | None = None, /, *, now: Clock | None = None, **overrides: Any
    ) -> None:
        super().__init__(config, now=now, **overrides)
        self._expression = expand_expression(self.config.expression)

    @classmethod
    def _default_config(cls) -> CronConfig:
        return CronConfig()

    @property
    def expression(self) -> str:
        """The expression as evaluated (macros expanded)."""
        return self._expression

    def next_time(self, after: datetime) -> datetime | None:
        # cronsim starts one second past its start, so a tick at `after` is not repeated.
        ticks = CronSim(self.expression, as_utc(after).astimezone(self.zone))
        tick = next(ticks, None)
        return None if tick is None else as_utc(tick)

    def latest_time(self, at_or_before: datetime) -> datetime | None:
        # Walking backwards cronsim starts one second before its start: begin a second past
        # the whole second of `at_or_before`, so a tick exactly there is found.
        start = as_utc(at_or_before).replace(microsecond=0) + _ONE_SECOND
        ticks = CronSim(self.expression, start.astimezone(self.zone), reverse=True)
        tick = next(ticks, None)
        return None if tick is None else as_utc(tick)
