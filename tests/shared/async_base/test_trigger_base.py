from __future__ import annotations

import pytest

from shared.async_base import AsyncBaseTrigger, TriggerConfig, TriggerResult
from shared.errors import ConfigError, SpecError, UnknownTypeError
from shared.specs import TRIGGERS, build_component, component_spec


class CountdownConfig(TriggerConfig):
    remaining: int = 3


class CountdownTrigger(AsyncBaseTrigger[CountdownConfig]):
    trigger_type = "test_countdown"

    @classmethod
    def _default_config(cls) -> CountdownConfig:
        return CountdownConfig()

    async def should_trigger_async(self) -> TriggerResult:
        self.config.remaining -= 1
        return TriggerResult(should_run=self.config.remaining <= 0, reason="countdown")


def test_subclass_with_a_type_registers_itself() -> None:
    assert TRIGGERS.get("test_countdown") is CountdownTrigger


def test_keywords_override_the_default_config() -> None:
    trigger = CountdownTrigger(remaining=1, name="nightly")
    assert trigger.config.remaining == 1
    assert trigger.name == "nightly"
    assert CountdownTrigger().name == "test_countdown"


def test_config_object_and_keywords_combine() -> None:
    trigger = CountdownTrigger(CountdownConfig(remaining=5, name="a"), remaining=2)
    assert (trigger.config.remaining, trigger.name) == (2, "a")


def test_unknown_keyword_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="test_countdown: remainig: unknown field"):
        CountdownTrigger(remainig=1)


def test_bad_value_is_a_config_error_naming_the_field() -> None:
    with pytest.raises(ConfigError, match="test_countdown: remaining: "):
        CountdownTrigger(remaining="many")


async def test_evaluation_and_lifecycle() -> None:
    trigger = CountdownTrigger(remaining=2)
    await trigger.start_async()
    assert trigger.running
    assert not (await trigger.should_trigger_async()).should_run
    assert (await trigger.should_trigger_async()).should_run
    await trigger.stop_async()
    assert not trigger.running


def test_spec_round_trip_through_the_registry() -> None:
    trigger = CountdownTrigger(remaining=7, name="n")
    spec = component_spec(trigger, path="triggers[0]")
    assert spec == {"type": "test_countdown", "remaining": 7, "name": "n"}
    rebuilt = build_component(TRIGGERS, spec, path="triggers[0]")
    assert isinstance(rebuilt, CountdownTrigger)
    assert rebuilt.config == trigger.config


def test_bare_type_name_builds_the_default() -> None:
    rebuilt = build_component(TRIGGERS, "test_countdown", path="triggers[0]")
    assert isinstance(rebuilt, CountdownTrigger) and rebuilt.config.remaining == 3


def test_spec_errors_carry_the_path() -> None:
    with pytest.raises(UnknownTypeError, match=r"^triggers\[1\]\.type: unknown trigger type"):
        build_component(TRIGGERS, {"type": "nope"}, path="triggers[1]")
    with pytest.raises(SpecError, match=r"^triggers\[0\]: missing 'type'"):
        build_component(TRIGGERS, {"remaining": 1}, path="triggers[0]")
    with pytest.raises(SpecError, match=r"^triggers\[0\]: test_countdown: remaining: "):
        build_component(TRIGGERS, {"type": "test_countdown", "remaining": "x"}, path="triggers[0]")
    with pytest.raises(SpecError, match="cannot be sent to a worker"):
        component_spec(lambda: None, path="actions[0]")
