from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

import shared.triggers
from shared.async_base import AsyncBaseTrigger
from shared.specs import TRIGGERS, build_component, component_spec
from shared.triggers import CronTrigger, EventTrigger, FileWatchTrigger, ScheduleTrigger


def test_public_names_exist() -> None:
    for name in shared.triggers.__all__:
        assert hasattr(shared.triggers, name), name


@pytest.mark.parametrize(
    ("type_name", "cls"),
    [
        ("schedule", ScheduleTrigger),
        ("cron", CronTrigger),
        ("event", EventTrigger),
        ("file_watch", FileWatchTrigger),
    ],
)
def test_each_kind_is_registered(type_name: str, cls: type[AsyncBaseTrigger]) -> None:  # type: ignore[type-arg]
    assert TRIGGERS.get(type_name) is cls
    assert cls.trigger_type == type_name


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "schedule", "interval_hours": 1},
        {"type": "schedule", "interval_minutes": 30, "weekdays": [0, 4], "timezone": "Asia/Tokyo"},
        {"type": "cron", "expression": "0 6 * * 1-5", "timezone": "Europe/Berlin"},
        {"type": "event", "stream": "orders", "filters": {"table": "orders"}, "debounce_s": 2.0},
        {"type": "file_watch", "paths": ["/data/*.csv"], "hash_content": True},
    ],
)
def test_spec_round_trip(spec: dict[str, object]) -> None:
    trigger = build_component(TRIGGERS, spec, path="triggers[0]")
    assert component_spec(trigger, path="triggers[0]") == spec


def test_triggers_from_yaml() -> None:
    document = yaml.safe_load(
        """
        triggers:
          - type: cron
            expression: "0 6 * * 1-5"
            timezone: Europe/Berlin
          - type: schedule
            interval_hours: 1
            start_time: 2026-01-05T06:00:00
            weekdays: [mon, fri]
          - type: event
            stream: orders:landed
            filters: {table: orders}
            debounce_s: 2
          - type: file_watch
            paths: /data/in/*.csv
        """
    )
    triggers = [
        build_component(TRIGGERS, spec, path=f"triggers[{index}]")
        for index, spec in enumerate(document["triggers"])
    ]
    assert [type(trigger) for trigger in triggers] == [
        CronTrigger,
        ScheduleTrigger,
        EventTrigger,
        FileWatchTrigger,
    ]
    schedule = triggers[1]
    assert isinstance(schedule, ScheduleTrigger)
    assert schedule.config.weekdays == [0, 4]
    assert schedule.next_time(datetime(2026, 1, 1, tzinfo=UTC)) == datetime(
        2026, 1, 5, 6, tzinfo=UTC
    )


def test_seed_keyword_construction() -> None:
    assert ScheduleTrigger(interval_hours=1).to_spec() == {"type": "schedule", "interval_hours": 1}
