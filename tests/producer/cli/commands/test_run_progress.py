"""The live progress line of `checkfleet run`, in a real terminal (tmux) at 80 and 160
columns: one line (cut, never wrapped) with the runs done, the time elapsed, the bytes read and
the data's size; cleared before the results; never when piped or with --json."""

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
from typer.testing import CliRunner

from producer.cli.app import app
from producer.cli.run_progress import size_text

pytestmark = pytest.mark.slow

CHECKFLEET = str(Path(sys.executable).with_name("checkfleet"))
REPO = Path(__file__).resolve().parents[4]
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
NAME = "slow_[red]_orders"


def write_long_run(directory: Path) -> tuple[Path, int]:
    """A checkpoint whose run lasts CHECKFLEET_TEST_PAUSE_S after its scan; the data's size."""
    data = directory / "orders.csv"
    data.write_text("id,amount\n" + "".join(f"{n},{n * 0.5}\n" for n in range(40_000)))
    config = directory / "checkpoints.json"
    spec = {
        "name": NAME,
        "data_source": str(data),
        "validators": ["null"],
        "actions": [{"type": "custom", "function": "tests.support.actions:pause"}],
    }
    config.write_text(json.dumps({"checkpoints": [spec]}))
    return config, data.stat().st_size


@pytest.fixture
def terminal(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """The socket of a tmux server of our own (a shared one would hand its sessions the
    environment it started with, COLUMNS included) and the terminal's width; stopped after."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is missing: .ci/run installs it", pytrace=False)
    socket = f"checkfleet-progress-{uuid.uuid4().hex[:8]}"
    yield socket, int(request.param)
    subprocess.run(["tmux", "-L", socket, "kill-server"], check=False, capture_output=True)


def screen_of(socket: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, "capture-pane", "-p"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("terminal", ["80", "160"], indirect=True)
def test_a_long_run_shows_a_live_line_cleared_before_the_results(
    terminal: tuple[str, int], tmp_path: Path
) -> None:
    socket, width = terminal
    config, size = write_long_run(tmp_path)
    env = {
        "PYTHONPATH": str(REPO),  # the pause action lives in tests.support
        "CHECKFLEET_TEST_PAUSE_S": "3",
        "CHECKFLEET_STORE_URL": f"sqlite:///{tmp_path / 'history.db'}",
        "COLUMNS": str(width),  # what the terminal is, whatever the server's environment says
    }
    command = f"{CHECKFLEET} run {config}; echo exit=$?; sleep 60"
    subprocess.run(
        ["tmux", "-L", socket, "new-session", "-d", "-x", str(width), "-y", "40",
         "-c", str(tmp_path), *(f"-e{key}={value}" for key, value in env.items()), command],
        check=True,
    )  # fmt: skip
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while "exit=" not in (screen := screen_of(socket)):
        assert time.monotonic() < deadline, f"the run never ended:\n{screen}"
        seen += [line for line in screen.splitlines() if "elapsed" in line]
        time.sleep(0.1)
    assert seen, f"no progress line was ever shown:\n{screen}"
    for line in seen:
        assert line[0] in SPINNER and "0 of 1 done (0 rows)" in line, line
        assert len(line.rstrip()) <= width, line  # one line: cut, not wrapped
    elapsed = {int(m.group(1)) for line in seen if (m := re.search(r"(\d+) s elapsed", line))}
    assert max(elapsed) >= 2, seen  # it went on while the one run went on
    files = f"(files: {size_text(size)})"
    after_scan = [line for line in seen if files in line and "read 0 B" not in line]
    assert after_scan, seen
    if width >= 160:
        assert f"running: {NAME}" in seen[-1], seen[-1]  # user text as written, not markup
    # cleared: the results follow the finished line, no progress line is left behind
    assert "elapsed" not in screen and "exit=0" in screen, screen
    assert re.search(rf"{re.escape(NAME)}: 40,000 rows read in \d+\.\d\d s, success", screen)


@pytest.mark.parametrize("args", [(), ("--json",)])
def test_no_live_line_when_piped_or_in_json(tmp_path: Path, args: tuple[str, ...]) -> None:
    config, _ = write_long_run(tmp_path)
    env = {"COLUMNS": "80", "CHECKFLEET_TEST_PAUSE_S": "0.6"}
    result = CliRunner().invoke(app, ["run", str(config), *args], env=env)
    assert result.exit_code == 0, result.output
    assert "elapsed" not in result.stderr and "running:" not in result.stderr
    if args:
        assert json.loads(result.stdout)[0]["row_count"] == 40_000
