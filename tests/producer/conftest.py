"""Fixtures of the producer tests: for the scheduler, a Redis client, definition files and
queue inspection; for the client API, data files, checkpoints and both backends (the ``redis``
backend runs against a real worker process, `python -m arq worker.WorkerSettings`, on a
private key prefix, started once per test module)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as sync_redis

from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
from shared.actions import CustomAction
from shared.actions.http import close_http_session
from shared.checkpoint import Checkpoint
from shared.settings import Settings
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.support.redis_server import RedisServer


def write_definitions(directory: Path, checkpoints: list[dict[str, Any]]) -> str:
    """A definition file of `checkpoints` (each gets a small CSV source and a validator)."""
    data = directory / "data.csv"
    data.write_text("id,amount\n1,2.5\n2,3.0\n")
    specs = [{"data_source": str(data), "validators": ["null"], **spec} for spec in checkpoints]
    path = directory / "checkpoints.json"
    path.write_text(json.dumps({"checkpoints": specs}))
    return str(path)


# -- the client API ---------------------------------------------------------------------------

PREFIX = "clienttest"
GOOD_ROWS = "id,amount\n1,10.5\n2,20.0\n3,7.25\n"
BAD_ROWS = "id,amount\n1,10.5\n2,\n3,\n"
BACKENDS = ["local", "redis"]


@pytest.fixture(scope="module")
def client_env(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    # Local runs record their history: in a store of this module's, not the working directory.
    store = tmp_path_factory.mktemp("client-history") / "history.db"
    return {
        "CHECKFLEET_REDIS_URL": redis_server.url,
        "CHECKFLEET_PREFIX": PREFIX,
        "CHECKFLEET_PLUGINS": "tests.support.client_actions",
        "CHECKFLEET_STORE_URL": f"sqlite:///{store}",
        # The clients sign their requests, so the worker trusts their inline specs.
        "CHECKFLEET_SIGNING_KEY": "client-tests-signing-key",
    }


@pytest.fixture(scope="module")
def fleet_worker(
    client_env: dict[str, str], redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedProcess]:
    """One real worker process for the module's redis-backend tests."""
    if not redis_server.running:
        redis_server.start()
    process = ManagedProcess(
        "client-worker", waking_worker_argv(), client_env, tmp_path_factory.mktemp("worker")
    )
    try:
        _wait_until_ready(process, Settings.from_env(client_env))
        yield process
    finally:
        process.stop()


def _wait_until_ready(process: ManagedProcess, settings: Settings) -> None:
    client = sync_redis.Redis.from_url(settings.redis_url)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if client.exists(settings.keys.health_check):
                return
            assert process.process.poll() is None, process.log()
            time.sleep(0.05)
        raise AssertionError(f"worker never became ready:\n{process.log()}")
    finally:
        client.close()


@pytest.fixture
def client_settings(client_env: dict[str, str], redis_url: str) -> Settings:
    return Settings.from_env(client_env)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each behaviour test runs on both backends; ``redis`` starts the module's worker."""
    kind: str = request.param
    if kind == "redis":
        request.getfixturevalue("redis_url")  # a running, flushed server
        request.getfixturevalue("fleet_worker")
    return kind


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "orders.csv").write_text(GOOD_ROWS)
    (tmp_path / "orders_bad.csv").write_text(BAD_ROWS)
    return tmp_path


CheckpointFactory = Callable[..., Checkpoint]


@pytest.fixture
def make_checkpoint(data_dir: Path) -> CheckpointFactory:
    """Checkpoints over the test data; ``pause_s`` adds an action that takes that long."""

    def factory(
        name: str = "orders", *, bad: bool = False, pause_s: float | None = None, **fields: Any
    ) -> Checkpoint:
        source = data_dir / ("orders_bad.csv" if bad else "orders.csv")
        checkpoint = Checkpoint(name, source, validators=["null"], **fields)
        if pause_s is not None:
            checkpoint.metadata["pause_s"] = pause_s
            checkpoint.add_action(CustomAction(function="tests.support.client_actions:pause"))
        return checkpoint

    return factory


RunnerFactory = Callable[..., AsyncCheckpointRunner]


@pytest.fixture
async def make_runner(backend: str, client_settings: Settings) -> AsyncIterator[RunnerFactory]:
    """Runners on the test's backend; stopped after the test."""
    runners: list[AsyncCheckpointRunner] = []

    def factory(config: AsyncRunnerConfig | None = None, **kwargs: Any) -> AsyncCheckpointRunner:
        fields = (config or AsyncRunnerConfig()).model_dump()
        fields["backend"] = backend
        runner = AsyncCheckpointRunner(
            AsyncRunnerConfig(**fields), settings=client_settings, **kwargs
        )
        runners.append(runner)
        return runner

    yield factory
    for runner in runners:
        await runner.stop_async()
        await runner.backend.aclose()


@pytest.fixture(autouse=True)
async def _close_shared_http_session() -> AsyncIterator[None]:
    yield
    await close_http_session()
