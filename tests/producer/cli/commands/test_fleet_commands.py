"""`checkfleet enqueue` and `checkfleet results` against a real worker process and Redis."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from producer.cli.app import app
from shared.settings import Settings
from tests.support.processes import ManagedProcess, worker_argv
from tests.worker.fleet import write_fleet_files

pytestmark = pytest.mark.slow


@pytest.fixture
def fleet_env(settings: Settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A worker process on the private Redis with the test fleet's checkpoints."""
    env = {
        "CHECKFLEET_REDIS_URL": settings.redis_url,
        "CHECKFLEET_CHECKPOINTS": str(write_fleet_files(tmp_path)),
    }
    worker = ManagedProcess("worker", worker_argv(), env, tmp_path)
    try:
        worker.wait_for_log("ready")
        yield {**env, "COLUMNS": "200"}
    finally:
        worker.stop()


def invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_enqueue_wait_shows_the_result_with_its_exit_code(fleet_env: dict[str, str]) -> None:
    code, out, err = invoke(fleet_env, "enqueue", "orders_bad", "--run-id", "w-1", "--wait")
    assert code == 2, out + err
    assert "enqueued: run w-1 of orders_bad" in err
    assert "failure" in out and "high: column 'amount' has 2 null values" in out

    code, out, _ = invoke(
        fleet_env, "enqueue", "orders", "-c", "by=test", "-c", "n=3", "--wait", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert result["status"] == "success"
    assert result["metadata"]["context"] == {"by": "test", "n": 3}


def test_enqueue_twice_with_one_run_id_runs_once(fleet_env: dict[str, str]) -> None:
    first = json.loads(invoke(fleet_env, "enqueue", "slow", "--run-id", "d-1", "--json")[1])
    second = json.loads(invoke(fleet_env, "enqueue", "slow", "--run-id", "d-1", "--json")[1])
    assert (first["duplicate"], second["duplicate"]) == (False, True)


def test_results_read_follow_and_share_through_a_group(fleet_env: dict[str, str]) -> None:
    for name in ("orders", "orders_missing"):
        assert invoke(fleet_env, "enqueue", name, "--run-id", f"r-{name}", "--wait")[0] in (0, 3)

    code, out, _ = invoke(fleet_env, "results", "--json")
    assert code == 0
    entries = json_lines(out)
    assert [(e["run_id"], e["status"]) for e in entries] == [  # newest first
        ("r-orders_missing", "error"),
        ("r-orders", "success"),
    ]
    after_first = str(entries[1]["entry_id"])
    _, out, _ = invoke(fleet_env, "results", "--from", after_first, "--json")
    assert [e["run_id"] for e in json_lines(out)] == ["r-orders_missing"]

    _, out, _ = invoke(fleet_env, "results", "--follow", "--from", "0", "--count", "2")
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert " success " in lines[0] and "run=r-orders " in lines[0]
    assert " error " in lines[1] and "does-not-exist.csv': file not found" in lines[1]

    group = ["results", "--group", "ops", "--consumer", "c-1", "--json"]
    assert len(json_lines(invoke(fleet_env, *group)[1])) == 2
    assert json_lines(invoke(fleet_env, *group)[1]) == []  # acknowledged: not delivered again


def test_results_refuses_a_group_without_consumer(fleet_env: dict[str, str]) -> None:
    code, _, err = invoke(fleet_env, "results", "--group", "ops")
    assert code == 3 and "--group and --consumer go together" in err


def test_enqueue_without_redis_fails_fast_naming_the_url() -> None:
    started = time.monotonic()
    env = {"CHECKFLEET_REDIS_URL": "redis://127.0.0.1:1/0"}
    code, _, err = invoke(env, "enqueue", "orders")
    assert code == 3 and "cannot reach Redis at redis://127.0.0.1:1/0" in err
    assert time.monotonic() - started < 30


def test_a_bad_context_pair_is_refused() -> None:
    code, _, err = invoke({}, "enqueue", "orders", "--context", "novalue")
    assert code == 3 and "--context wants key=value" in err
