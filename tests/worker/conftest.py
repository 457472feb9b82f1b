"""Fixtures for worker tests: burst-mode arq workers against the private Redis, and a client
pool that enqueues with the msgpack serializer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from arq.connections import ArqRedis
from arq.worker import Worker

from shared.redis_connection import connect_arq
from shared.settings import Settings
from tests.support.processes import ManagedProcess, waking_worker_argv, worker_argv
from tests.worker.fleet import write_fleet_files
from worker.settings import worker_options

WorkerFactory = Callable[..., Worker]


@pytest.fixture
def fleet_dir(tmp_path: Path) -> Path:
    """Data files and checkpoint definitions the workers load."""
    write_fleet_files(tmp_path)
    return tmp_path


#: The test actions module: inline specs of these tests call its functions.
TEST_ACTIONS = "tests.support.actions"


@pytest.fixture
def worker_settings(redis_url: str, fleet_dir: Path) -> Settings:
    """A worker of the test fleet, whose inline-spec policy lets the tests' own inline specs
    read and write the fleet's directory, call the test actions and send to the tests' local
    servers (tests/trust checks the default policy)."""
    return Settings.from_env(
        {
            "CHECKFLEET_REDIS_URL": redis_url,
            "CHECKFLEET_CHECKPOINTS": str(fleet_dir / "checkpoints.yaml"),
            "CHECKFLEET_DATA_ROOTS": str(fleet_dir),
            "CHECKFLEET_STORE_ROOTS": str(fleet_dir),
            "CHECKFLEET_ACTION_HOSTS": "127.0.0.1",
            "CHECKFLEET_PLUGINS": TEST_ACTIONS,
        }
    )


@pytest.fixture
async def arq_pool(worker_settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await connect_arq(worker_settings)
    yield pool
    await pool.aclose()


@pytest.fixture
async def make_worker(worker_settings: Settings) -> AsyncIterator[WorkerFactory]:
    """Builds burst workers (they stop when the queue is empty); closes them after the test."""
    workers: list[Worker] = []

    def factory(settings: Settings | None = None, **overrides: Any) -> Worker:
        options = worker_options(settings or worker_settings)
        worker = Worker(
            **{**options, "burst": True, "handle_signals": False, "poll_delay": 0.01, **overrides}
        )
        workers.append(worker)
        return worker

    yield factory
    for worker in workers:
        await worker.close()


@pytest.fixture
def spawn_worker(worker_settings: Settings, tmp_path: Path) -> Iterator[object]:
    """Starts worker processes (`entry`: "arq" for arq's CLI, "waking" for python -m worker);
    kills those still running after the test."""
    processes: list[ManagedProcess] = []

    def spawn(name: str, entry: str = "arq", **env: str) -> ManagedProcess:
        environment = {
            "CHECKFLEET_REDIS_URL": worker_settings.redis_url,
            "CHECKFLEET_CHECKPOINTS": str(worker_settings.checkpoints),
            **env,
        }
        argv = worker_argv() if entry == "arq" else waking_worker_argv()
        process = ManagedProcess(name, argv, environment, tmp_path)
        processes.append(process)
        return process

    yield spawn
    for process in processes:
        process.stop()
