"""The triggers of the seed page: when a checkpoint runs.

Importing this package registers every kind in `shared.specs.TRIGGERS` under its
``trigger_type``: ``schedule``, ``cron``, ``event`` and ``file_watch``. Time-based triggers
share `TimedTrigger` (ticks, `due_times`, an injectable clock).
"""

from __future__ import annotations

from shared.triggers.base import Clock, TimedTrigger, TimedTriggerConfig
from shared.triggers.cron import CronConfig, CronTrigger
from shared.triggers.event import EventConfig, EventTrigger
from shared.triggers.file_watch import FileWatchConfig, FileWatchTrigger
from shared.triggers.schedule import ScheduleConfig, ScheduleTrigger

__all__ = [
    "Clock",
    "CronConfig",
    "CronTrigger",
    "EventConfig",
    "EventTrigger",
    "FileWatchConfig",
    "FileWatchTrigger",
    "ScheduleConfig",
    "ScheduleTrigger",
    "TimedTrigger",
    "TimedTriggerConfig",
]
