from __future__ import annotations

import pytest

from shared.errors import SettingsError
from shared.settings import DEFAULT_REDIS_URL, ENVIRONMENT_VARIABLES, Settings


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.redis_url == DEFAULT_REDIS_URL
    assert not settings.redis_url_configured
    assert settings.prefix == "checkfleet"
    assert settings.checkpoints is None
    assert settings.keys.queue == "checkfleet:queue"


def test_every_variable_is_read() -> None:
    environ = {
        "CHECKFLEET_REDIS_URL": "rediss://:s3cret@cache.internal:6380/2",
        "CHECKFLEET_PREFIX": "team-a:prod",
        "CHECKFLEET_CHECKPOINTS": "checkpoints.yaml",
        "CHECKFLEET_RESULTS_MAXLEN": "5000",
        "CHECKFLEET_RESULT_TTL_S": "60",
        "CHECKFLEET_WORKER_CONCURRENCY": "4",
        "CHECKFLEET_JOB_TIMEOUT_S": "12.5",
        "CHECKFLEET_GRACEFUL_SHUTDOWN_S": "5",
        "CHECKFLEET_HEARTBEAT_S": "2",
        "CHECKFLEET_STARTUP_TIMEOUT_S": "7.5",
        "CHECKFLEET_IDLE_POLL_S": "0.25",
        "CHECKFLEET_EVENT_LOOP": "AsyncIO",
        "CHECKFLEET_PLUGINS": "acme.checks, acme.actions",
        "CHECKFLEET_ACTION_LIMITS": "webhook=4, slack=2",
        "CHECKFLEET_LOG_FORMAT": "json",
        "CHECKFLEET_LOG_LEVEL": "warning",
        "CHECKFLEET_METRICS_PORT": "9101",
        "CHECKFLEET_INLINE_SPECS": "Deny",
        "CHECKFLEET_DATA_ROOTS": "/srv/data, https://data.example.com/in/",
        "CHECKFLEET_STORE_ROOTS": "/srv/results",
        "CHECKFLEET_ACTION_HOSTS": "hooks.slack.com, *.example.com, 10.0.0.0/8",
        "CHECKFLEET_SPEC_VARS": "HOOK_URL, TOKEN",
        "CHECKFLEET_SIGNING_KEY": "k3y",
        "CHECKFLEET_SIGNATURE_MAX_AGE_S": "300",
        "CHECKFLEET_MAX_REQUEST_BYTES": "4096",
        "CHECKFLEET_MAX_WORKER_DEATHS": "2",
        "CHECKFLEET_STORE_URL": "postgresql://checkfleet:pw@db.internal/history",
        "CHECKFLEET_DASHBOARD_TOKEN": "a-long-enough-secret",
    }
    settings = Settings.from_env(environ)
    assert settings.redis_url == "rediss://:s3cret@cache.internal:6380/2"
    assert settings.redis_url_configured
    assert settings.keys.results == "team-a:prod:results"
    assert settings.checkpoints == "checkpoints.yaml"
    assert settings.results_maxlen == 5000
    assert settings.result_ttl_s == 60.0
    assert settings.worker_concurrency == 4
    assert settings.job_timeout_s == 12.5
    assert settings.graceful_shutdown_s == 5
    assert (settings.heartbeat_s, settings.heartbeat_ttl_s) == (2.0, 6.0)
    assert (settings.startup_timeout_s, settings.idle_poll_s) == (7.5, 0.25)
    assert settings.event_loop == "asyncio"
    assert settings.plugins == ("acme.checks", "acme.actions")
    assert settings.action_type_limits == {"webhook": 4, "slack": 2}
    assert (settings.log_format, settings.log_level, settings.metrics_port) == (
        "json",
        "WARNING",
        9101,
    )
    assert settings.inline_specs == "deny"
    assert settings.data_roots == ("/srv/data", "https://data.example.com/in/")
    assert settings.store_roots == ("/srv/results",)
    assert settings.action_hosts == ("hooks.slack.com", "*.example.com", "10.0.0.0/8")
    assert settings.spec_vars == ("HOOK_URL", "TOKEN")
    assert settings.signing_key == "k3y" and "k3y" not in repr(settings)
    assert (settings.signature_max_age_s, settings.max_request_bytes) == (300.0, 4096)
    assert settings.max_worker_deaths == 2
    assert settings.store_url == "postgresql://checkfleet:pw@db.internal/history"
    assert settings.dashboard_token == "a-long-enough-secret"
    assert "a-long-enough-secret" not in repr(settings)
    assert set(environ) == set(ENVIRONMENT_VARIABLES), "this test sets every variable"


def test_unix_socket_url_is_accepted() -> None:
    url = "unix:///run/redis.sock?db=1"
    assert Settings.from_env({"CHECKFLEET_REDIS_URL": url}).redis_url == url


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.prefix = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("CHECKFLEET_REDIS_URL", "http://localhost:6379", "scheme must be one of"),
        ("CHECKFLEET_REDIS_URL", "redis://", "no host"),
        ("CHECKFLEET_REDIS_URL", "redis://localhost:notaport", "bad port"),
        ("CHECKFLEET_PREFIX", "has space", "must be letters"),
        ("CHECKFLEET_PREFIX", "trailing:", "must be letters"),
        ("CHECKFLEET_RESULTS_MAXLEN", "lots", "whole number"),
        ("CHECKFLEET_RESULTS_MAXLEN", "0", "at least 1"),
        ("CHECKFLEET_WORKER_CONCURRENCY", "-2", "at least 1"),
        ("CHECKFLEET_JOB_TIMEOUT_S", "soon", "must be a number"),
        ("CHECKFLEET_RESULT_TTL_S", "0", "greater than 0"),
        ("CHECKFLEET_RESULT_TTL_S", "nan", "greater than 0"),
        ("CHECKFLEET_PLUGINS", "acme checks", "not a module path"),
        ("CHECKFLEET_CHECKPOINTS", "   ", "must not be empty"),
        ("CHECKFLEET_STORE_URL", "mysql://db/history", "expected sqlite:///"),
        ("CHECKFLEET_ACTION_LIMITS", "webhook", "expected type=limit pairs"),
        ("CHECKFLEET_ACTION_LIMITS", "webhook=0", "webhook: must be at least 1"),
        ("CHECKFLEET_INLINE_SPECS", "maybe", "must be one of deny, policy, trusted"),
        ("CHECKFLEET_DATA_ROOTS", "data", "neither an absolute directory nor a URL prefix"),
        ("CHECKFLEET_SPEC_VARS", "HOOK-URL", "not a variable name"),
        ("CHECKFLEET_MAX_REQUEST_BYTES", "0", "at least 1"),
    ],
)
def test_invalid_values_name_the_variable(variable: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert problem in str(caught.value)


def test_empty_value_means_default() -> None:
    assert Settings.from_env({"CHECKFLEET_RESULTS_MAXLEN": ""}).results_maxlen == 100_000


def test_a_short_dashboard_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"CHECKFLEET_DASHBOARD_TOKEN": "hunter2"})
    assert caught.value.variable == "CHECKFLEET_DASHBOARD_TOKEN"
    assert "hunter2" not in str(caught.value)
