"""`results` filters and order, `enqueue` refusing a bad run id, `dead`, `cancel` and `stats`
per checkpoint, against a real worker process and Redis, at 80 and 160 columns."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis
from typer.testing import CliRunner

from producer.cli.app import app
from shared import codec
from shared.job import CANCELLED_MESSAGE
from shared.models import CheckpointResult, CheckpointStatus
from shared.settings import Settings
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.worker.fleet import write_fleet_files

pytestmark = pytest.mark.slow

CHECKFLEET = str(Path(sys.executable).with_name("checkfleet"))


@pytest.fixture(params=["80", "160"])
def fleet(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[dict[str, str]]:
    """A worker on the private Redis with the test fleet's checkpoints; the env of the CLI at
    a terminal width of 80 or 160 columns."""
    env = {
        "CHECKFLEET_REDIS_URL": settings.redis_url,
        "CHECKFLEET_CHECKPOINTS": str(write_fleet_files(tmp_path)),
        "CHECKFLEET_TEST_PAUSE_S": "20",
    }
    worker = ManagedProcess("worker", waking_worker_argv(), env, tmp_path)
    try:
        worker.wait_for_log("ready")
        yield {**env, "COLUMNS": request.param}
    finally:
        worker.stop()


def invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def squeezed(text: str) -> str:
    """`text` without spaces and table borders: what a folded cell reads."""
    return "".join(text.replace("│", " ").split())


def run_ids(out: str) -> list[str]:
    return [json.loads(line)["run_id"] for line in out.splitlines() if line.strip()]


def test_results_are_newest_first_and_filtered(fleet: dict[str, str]) -> None:
    for run_id, name in [("r-1", "orders"), ("r-2", "orders_bad"), ("r-3", "orders")]:
        assert invoke(fleet, "enqueue", name, "--run-id", run_id, "--wait")[0] in (0, 2)
    assert run_ids(invoke(fleet, "results", "--json")[1]) == ["r-3", "r-2", "r-1"]
    assert run_ids(invoke(fleet, "results", "--count", "1", "--json")[1]) == ["r-3"]
    assert run_ids(invoke(fleet, "results", "--status", "failure", "--json")[1]) == ["r-2"]
    assert run_ids(invoke(fleet, "results", "-c", "orders", "--json")[1]) == ["r-3", "r-1"]
    assert run_ids(invoke(fleet, "results", "--since", "1h", "-n", "2", "--json")[1]) == [
        "r-3",
        "r-2",
    ]
    code, out, err = invoke(fleet, "results", "--count", "2")
    assert code == 0 and "2 result(s)" in err
    assert "run=r-3" in out.splitlines()[0]


def test_bad_times_and_ids_are_one_clear_line(fleet: dict[str, str]) -> None:
    code, out, err = invoke(fleet, "results", "--from", "yesterday")
    assert code == 3 and "--from wants a stream entry id" in " ".join(err.split())
    assert "Traceback" not in out + err and len(err.strip().splitlines()) <= 3
    code, _, err = invoke(fleet, "results", "--since", "yesterday")
    assert code == 3 and "cannot read 'yesterday' as a time" in " ".join(err.split())
    code, _, err = invoke(fleet, "results", "--status", "bad")
    assert code == 3 and "not a status" in err
    code, out, err = invoke(fleet, "enqueue", "orders", "--run-id", "bad id")
    assert code == 3 and "'bad id' is not a run id" in " ".join(err.split())
    assert invoke(fleet, "results", "--json")[1] == ""  # nothing was enqueued


def test_dead_letters_list_show_and_requeue(fleet: dict[str, str], settings: Settings) -> None:
    client = sync_redis.Redis.from_url(settings.redis_url)
    try:
        payload = codec.packb({"checkpoint": "orders", "run_id": "dl-1"})
        entry = client.xadd(
            settings.keys.dead,
            {"reason": "[b]plugin missing[/b]", "source": "job", "payload": payload,
             "job_id": "dl-1"},
        ).decode()  # fmt: skip
    finally:
        client.close()
    code, out, _ = invoke(fleet, "dead")
    assert code == 0 and entry in out and "[b]plugin missing[/b]" in " ".join(out.split())
    code, out, _ = invoke(fleet, "dead", "show", entry)
    assert code == 0 and '"run_id": "dl-1"' in out and "job_id: dl-1" in out
    code, _, err = invoke(fleet, "dead", "show", "nope")
    assert code == 3 and "is not a stream entry id" in err
    code, _, err = invoke(fleet, "dead", "requeue", entry)
    assert code == 0 and "enqueued as job dl-1" in err
    deadline = time.monotonic() + 15
    while "dl-1" not in run_ids(invoke(fleet, "results", "--json")[1]):
        assert time.monotonic() < deadline, "the requeued run never ran"
        time.sleep(0.1)
    assert json.loads(invoke(fleet, "dead", "--json")[1]) == []


def test_cancel_a_running_run_and_its_result_says_so(fleet: dict[str, str]) -> None:
    assert invoke(fleet, "enqueue", "slow", "--run-id", "k-1")[0] == 0
    time.sleep(0.5)  # let the worker start it
    code, out, err = invoke(fleet, "cancel", "k-1")
    assert code == 0, out + err
    assert squeezed(CANCELLED_MESSAGE) in squeezed(out)  # in a table cell, folded at 80
    code, _, err = invoke(fleet, "cancel", "k-1")
    assert code == 1 and "has finished already" in err
    code, _, err = invoke(fleet, "cancel", "never-was")
    assert code == 1 and "no run never-was is queued or running" in err
    code, _, err = invoke(fleet, "cancel", "bad id")
    assert code == 3 and "is not a run id" in err


def test_stats_per_checkpoint(fleet: dict[str, str]) -> None:
    assert invoke(fleet, "enqueue", "orders", "--wait")[0] == 0
    assert invoke(fleet, "enqueue", "orders_bad", "--wait")[0] == 2
    code, out, _ = invoke(fleet, "stats", "--json")
    by_checkpoint = json.loads(out)["recent_by_checkpoint"]
    assert by_checkpoint["orders"]["success"] == 1
    assert by_checkpoint["orders_bad"]["failure"] == 1
    code, out, _ = invoke(fleet, "stats")
    assert code == 0
    [row] = [line for line in out.splitlines() if " orders_bad " in line]
    assert row.split("│")[2:] and "1" in row


def test_follow_in_a_real_terminal_prints_each_result_on_a_line_of_its_own(
    fleet: dict[str, str], tmp_path: Path
) -> None:
    """In tmux (a real terminal of the fixture's width) nothing shares a result's line."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is missing: .ci/run installs it", pytrace=False)
    session = f"checkfleet-follow-{uuid.uuid4().hex[:8]}"
    width = fleet["COLUMNS"]
    command = [CHECKFLEET, "results", "--follow"]
    env_args = [f"-e{key}={value}" for key, value in fleet.items() if key != "COLUMNS"]
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", width, "-y", "30", *env_args,
         " ".join(command)],
        check=True,
    )  # fmt: skip

    def screen_text() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    try:
        deadline = time.monotonic() + 20
        while "following new results" not in screen_text():
            assert time.monotonic() < deadline, f"results --follow never started:\n{screen_text()}"
            time.sleep(0.1)
        time.sleep(1.0)  # it pins "now" at its first read, just after that line
        assert invoke(fleet, "enqueue", "orders", "--run-id", "t-1", "--wait")[0] == 0
        deadline = time.monotonic() + 15
        while True:
            screen = screen_text()
            lines = [line for line in screen.splitlines() if "run=t-1" in line]
            if lines:
                break
            assert time.monotonic() < deadline, f"no result on the terminal:\n{screen}"
            time.sleep(0.2)
        assert re.match(r"\d+-\d+ \d\d:\d\d:\d\d orders", lines[0]), screen
        assert "following new results; Ctrl-C stops" in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def test_stats_lists_the_runs_in_progress_by_id(fleet: dict[str, str], settings: Settings) -> None:
    assert invoke(fleet, "enqueue", "slow", "--run-id", "p-1")[0] == 0
    deadline = time.monotonic() + 15
    while True:
        running = json.loads(invoke(fleet, "stats", "--json")[1])["runs_in_progress"]
        if running["total"]:
            break
        assert time.monotonic() < deadline, "the slow run never started"
        time.sleep(0.1)
    [run] = running["oldest"]
    assert run["run_id"] == "p-1" and run["worker_id"].count(":") == 2  # host:pid:random
    assert 0 <= run["running_s"] < 20
    code, out, _ = invoke(fleet, "stats")
    assert code == 0 and "runs in progress" in out
    [row] = [line for line in out.splitlines() if "p-1" in line]
    assert squeezed(run["worker_id"][:20]) in squeezed(out)
    assert re.search(r"│\s*\d+\s*│$", row.rstrip()), row  # the running seconds column
    assert invoke(fleet, "cancel", "p-1")[0] == 0


def test_rerun_repeats_a_run_with_its_context_under_a_new_id(
    fleet: dict[str, str], settings: Settings
) -> None:
    assert (
        invoke(fleet, "enqueue", "orders", "--run-id", "o-1", "-c", "day=[red]x", "--wait")[0] == 0
    )
    code, out, err = invoke(fleet, "rerun", "o-1", "--json")
    assert code == 0, out + err
    answer = json.loads(out)
    assert answer["rerun_of"] == "o-1" and answer["checkpoint"] == "orders"
    assert answer["run_id"] != "o-1"
    deadline = time.monotonic() + 15
    while True:
        results = [json.loads(line) for line in invoke(fleet, "results", "--json")[1].splitlines()]
        if results[0]["run_id"] == answer["run_id"]:
            break
        assert time.monotonic() < deadline, "the re-run never ran"
        time.sleep(0.1)
    again = results[0]["result"]
    assert again["metadata"]["context"] == {"day": "[red]x"}
    assert again["provenance"]["origin"] == "client:rerun-of:o-1"
    code, _, err = invoke(fleet, "rerun", "o-1")
    assert code == 0 and "a re-run of o-1" in " ".join(err.split())


def test_rerun_refuses_unknown_runs_and_inline_specs(
    fleet: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    code, out, err = invoke(fleet, "rerun", "never-was")
    assert code == 3 and "no run never-was" in err and "Traceback" not in out + err
    code, _, err = invoke(fleet, "rerun", "bad id")
    assert code == 3 and "is not a run id" in err
    inline = CheckpointResult(
        run_id="i-1",
        checkpoint_name="inline",
        status=CheckpointStatus.SUCCESS,
        provenance={"origin": "client:x", "inline": True},
    )
    client = sync_redis.Redis.from_url(settings.redis_url)
    try:
        client.set(settings.keys.run_result("i-1"), codec.encode_result(inline))
    finally:
        client.close()
    code, _, err = invoke(fleet, "rerun", "i-1")
    assert code == 3 and "ran an inline spec" in " ".join(err.split())
    assert [r for r in invoke(fleet, "results", "--json")[1].splitlines()] == []
