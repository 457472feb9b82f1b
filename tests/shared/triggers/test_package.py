from __future__ import annotations

import pytest

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


def test_seed_keyword_construction() -> None:
    assert ScheduleTrigger(interval_hours=1).to_spec() == {"type": "schedule", "interval_hours": 1}
