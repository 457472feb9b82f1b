from __future__ import annotations

import pytest

from shared.errors import ConfigError, UnknownTypeError
from shared.registry import Registry


def test_unknown_name_lists_the_known_ones() -> None:
    registry: Registry[type] = Registry("validator")
    registry.add("range", int)
    registry.add("null", str)
    with pytest.raises(UnknownTypeError) as caught:
        registry.get("rnage", path="checkpoints[0].validators[1]")
    message = str(caught.value)
    assert message == "checkpoints[0].validators[1]: unknown validator 'rnage'; known: null, range"
    assert caught.value.known == ["null", "range"]


def test_decorator_registers_and_duplicates_are_refused() -> None:
    registry: Registry[type] = Registry("action type")

    @registry.register("slack")
    class Slack:
        pass

    assert registry.get("slack") is Slack
    assert "slack" in registry and len(registry) == 1
    with pytest.raises(ConfigError, match="already registered"):
        registry.add("slack", int)
    registry.add("slack", int, replace=True)
    assert registry.get("slack") is int


def test_empty_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="non-empty name"):
        Registry[type]("trigger").add("", int)


def test_register_get_clear_as_the_reference_has_them() -> None:
    registry: Registry[type] = Registry("validator")
    assert registry.register("a", int) is int
    assert registry.get("a") is int and registry.names() == ["a"]
    registry.clear()
    assert len(registry) == 0 and "a" not in registry


def test_every_family_registers_by_subclassing_and_refuses_a_second_class() -> None:
    from shared.async_base import AsyncBaseAction, AsyncBaseTrigger, ExecutionStrategy
    from shared.specs import ACTIONS, STRATEGIES, TRIGGERS
    from shared.validators import VALIDATORS, Validator

    families = [
        (ACTIONS, AsyncBaseAction, "action_type"),
        (TRIGGERS, AsyncBaseTrigger, "trigger_type"),
        (STRATEGIES, ExecutionStrategy, "strategy_type"),
        (VALIDATORS, Validator, "name"),
    ]
    for registry, base, attribute in families:
        first = type("First", (base,), {attribute: "test_duplicate"})
        try:
            assert registry.get("test_duplicate") is first
            with pytest.raises(ConfigError, match="'test_duplicate' is already registered to"):
                type("Second", (base,), {attribute: "test_duplicate"})
            assert registry.get("test_duplicate") is first
            # The same class defined again (its module re-imported) replaces the first.
            again = type("First", (base,), {attribute: "test_duplicate"})
            assert registry.get("test_duplicate") is again
        finally:
            registry.remove("test_duplicate")
        # A base without a name of its own is not registered.
        type("Abstract", (base,), {})
        assert "" not in registry
