"""`checkfleet worker` becomes arq's worker process; `--check` is a per-host liveness probe."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis

from producer.cli.commands.worker import worker_argv
from shared import codec
from shared.settings import Settings
from tests.support.processes import ManagedProcess
from tests.support.processes import worker_argv as arq_worker_argv
from tests.worker.fleet import write_fleet_files

pytestmark = pytest.mark.slow

CHECKFLEET = [sys.executable, "-c", "from producer.cli.app import main; main()"]


def check(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHECKFLEET_REDIS_URL": settings.redis_url}
    return subprocess.run(
        [*CHECKFLEET, "worker", "--check"], env=env, capture_output=True, text=True, timeout=30
    )


def beat(settings: Settings, host: str) -> None:
    client = Redis.from_url(settings.redis_url)
    try:
        beat = {"worker_id": f"{host}:1:ab", "started_at": "2026-01-01T00:00:00+00:00"}
        client.set(settings.keys.worker(beat["worker_id"]), codec.packb(beat), px=10_000)
    finally:
        client.close()


def test_check_fails_without_a_heartbeat_of_this_host(settings: Settings) -> None:
    beat(settings, "some-other-pod")  # another host's worker does not make this one live
    done = check(settings)
    assert done.returncode == 1
    assert f"no live checkfleet worker on {socket.gethostname()}" in done.stderr


def test_check_then_runs_arqs_health_check(settings: Settings) -> None:
    beat(settings, socket.gethostname())
    done = check(settings)
    # arq's --check exits 1 when no worker wrote the health-check key: proof it ran arq
    assert done.returncode == 1, done.stderr
    assert "Health check failed" in done.stdout + done.stderr


def test_check_passes_with_a_running_worker(settings: Settings, tmp_path: Path) -> None:
    env = {
        "CHECKFLEET_REDIS_URL": settings.redis_url,
        "CHECKFLEET_CHECKPOINTS": str(write_fleet_files(tmp_path)),
    }
    worker = ManagedProcess("worker", arq_worker_argv(), env, tmp_path)
    try:
        worker.wait_for_log("ready")
        done = check(settings)
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        worker.stop()


def test_worker_argv_is_the_waking_worker() -> None:
    assert worker_argv(burst=True)[1:] == ["-m", "worker", "--burst"]
    assert worker_argv(check=True)[1:] == ["-m", "worker", "--check"]
