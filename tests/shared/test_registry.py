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
