"""A worker reloads its definitions when the file changes and on SIGHUP, keeps the previous
ones when the new file is broken, and finishes the runs in flight meanwhile."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from producer.cli.app import app
from shared.settings import Settings
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.worker.fleet import DEFINITIONS, write_fleet_files

pytestmark = pytest.mark.slow

EXTRA = """\
  - name: extra
    data_source: {data}/orders.csv
    validators: [null]
"""


@pytest.fixture
def fleet(settings: Settings, tmp_path: Path) -> Iterator[tuple[dict[str, str], ManagedProcess]]:
    env = {
        "CHECKFLEET_REDIS_URL": settings.redis_url,
        "CHECKFLEET_CHECKPOINTS": str(write_fleet_files(tmp_path)),
        "CHECKFLEET_TEST_PAUSE_S": "3",
        "COLUMNS": "160",
    }
    worker = ManagedProcess("worker", waking_worker_argv(), env, tmp_path)
    try:
        worker.wait_for_log("ready")
        yield env, worker
    finally:
        worker.stop()


def enqueue(env: dict[str, str], name: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["enqueue", name, *extra], env=env)
    return result.exit_code, result.stdout + result.stderr


def wait_for_count(worker: ManagedProcess, text: str, count: int, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while worker.log().count(text) < count:
        assert time.monotonic() < deadline, f"never logged {text!r} {count}x:\n{worker.log()}"
        time.sleep(0.05)


def test_an_edited_file_is_reloaded_without_dropping_the_run_in_flight(
    fleet: tuple[dict[str, str], ManagedProcess], tmp_path: Path
) -> None:
    env, worker = fleet
    code, out = enqueue(env, "extra", "--wait")
    assert code == 3 and "unknown checkpoint 'extra'" in out
    assert enqueue(env, "slow", "--run-id", "in-flight")[0] == 0
    time.sleep(0.5)  # the slow run is in flight while the file changes
    definitions = Path(env["CHECKFLEET_CHECKPOINTS"])
    definitions.write_text(DEFINITIONS.format(data=tmp_path) + EXTRA.format(data=tmp_path))
    wait_for_count(worker, "definitions reloaded (the file changed): 6 checkpoints", 1)
    assert enqueue(env, "extra", "--wait")[0] == 0
    code, out = CliRunner().invoke(app, ["results", "-c", "slow", "--json"], env=env).exit_code, ""
    deadline = time.monotonic() + 20
    while '"run_id": "in-flight"' not in out:
        assert time.monotonic() < deadline, "the run in flight was dropped"
        out = CliRunner().invoke(app, ["results", "-c", "slow", "--json"], env=env).stdout
        time.sleep(0.1)
    assert '"status": "success"' in out


def test_sighup_reloads_and_a_broken_file_keeps_the_previous_definitions(
    fleet: tuple[dict[str, str], ManagedProcess], tmp_path: Path
) -> None:
    env, worker = fleet
    definitions = Path(env["CHECKFLEET_CHECKPOINTS"])
    definitions.write_text("checkpoints:\n  - name: a\n    validators: [null\n")
    wait_for_count(worker, "definitions not reloaded (the file changed)", 1)
    assert "expected ',' or ']'" in worker.log()
    assert enqueue(env, "orders", "--wait")[0] == 0  # the previous definitions still serve
    definitions.write_text(DEFINITIONS.format(data=tmp_path) + EXTRA.format(data=tmp_path))
    worker.send(signal.SIGHUP)
    wait_for_count(worker, "definitions reloaded", 1)
    assert enqueue(env, "extra", "--wait")[0] == 0
    assert worker.process.poll() is None  # SIGHUP did not end it
