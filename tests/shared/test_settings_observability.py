"""Settings of logging and metrics: CHECKFLEET_LOG_FORMAT, CHECKFLEET_LOG_LEVEL,
CHECKFLEET_METRICS_PORT."""

from __future__ import annotations

import pytest

from shared.errors import SettingsError
from shared.settings import ENVIRONMENT_VARIABLES, Settings


def test_defaults_are_text_info_and_no_metrics() -> None:
    settings = Settings.from_env({})
    assert (settings.log_format, settings.log_level, settings.metrics_port) == (
        "text",
        "INFO",
        None,
    )


def test_values_are_read_case_insensitively() -> None:
    settings = Settings.from_env(
        {
            "CHECKFLEET_LOG_FORMAT": "JSON",
            "CHECKFLEET_LOG_LEVEL": "debug",
            "CHECKFLEET_METRICS_PORT": "9101",
        }
    )
    assert (settings.log_format, settings.log_level, settings.metrics_port) == (
        "json",
        "DEBUG",
        9101,
    )


def test_the_variables_are_listed() -> None:
    assert {
        "CHECKFLEET_LOG_FORMAT",
        "CHECKFLEET_LOG_LEVEL",
        "CHECKFLEET_METRICS_PORT",
    } <= set(ENVIRONMENT_VARIABLES)


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("CHECKFLEET_LOG_FORMAT", "xml", "must be one of text, json"),
        ("CHECKFLEET_LOG_LEVEL", "loud", "must be one of DEBUG"),
        ("CHECKFLEET_METRICS_PORT", "http", "whole number"),
        ("CHECKFLEET_METRICS_PORT", "0", "at least 1"),
        ("CHECKFLEET_METRICS_PORT", "70000", "TCP port"),
    ],
)
def test_invalid_values_name_the_variable(variable: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem) as caught:
        Settings.from_env({variable: value})
    assert caught.value.variable == variable
