"""`producer.async_runner` exports the seed page's names, and `__all__` stays honest."""

from __future__ import annotations

import producer.async_runner as async_runner

SEED_NAMES = {
    "AsyncCheckpointRunner",
    "AsyncRunnerConfig",
    "CheckpointPool",
    "run_checkpoint_async",
    "run_checkpoints_parallel",
}


def test_the_seed_names_are_exported() -> None:
    assert SEED_NAMES <= set(async_runner.__all__)


def test_every_exported_name_exists() -> None:
    for name in async_runner.__all__:
        assert getattr(async_runner, name) is not None, name


def test_the_config_has_the_seed_fields_and_defaults() -> None:
    config = async_runner.AsyncRunnerConfig()
    assert config.model_dump() == {
        "max_concurrent_checkpoints": 10,
        "trigger_poll_interval": 1.0,
        "result_queue_size": 1000,
        "stop_on_error": False,
        "max_consecutive_failures": 10,
        "graceful_shutdown_timeout": 30.0,
        "backend": "auto",
        "result_timeout": None,
    }


def test_the_backend_follows_the_redis_url_unless_chosen() -> None:
    from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
    from shared.settings import Settings

    unset = Settings.from_env({})
    configured = Settings.from_env({"CHECKFLEET_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert AsyncCheckpointRunner(settings=unset).backend.kind == "local"
    assert AsyncCheckpointRunner(settings=configured).backend.kind == "redis"
    forced = AsyncCheckpointRunner(AsyncRunnerConfig(backend="local"), settings=configured)
    assert forced.backend.kind == "local"


def test_a_bad_config_field_is_a_config_error_naming_it() -> None:
    import pytest

    from shared.errors import ConfigError

    with pytest.raises(ConfigError, match="max_concurrent_checkpoints"):
        async_runner.AsyncRunnerConfig(max_concurrent_checkpoints=0)
    with pytest.raises(ConfigError, match="max_workers"):
        async_runner.AsyncRunnerConfig(max_workers=3)
