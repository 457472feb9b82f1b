"""A worker process with a bad setting or a broken definitions file says so in one line and
exits 2 (fix the configuration), without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run_worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_bad_setting_is_one_line_and_exit_2() -> None:
    done = run_worker({"CHECKFLEET_LOG_FORMAT": "xml"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "python -m worker: CHECKFLEET_LOG_FORMAT: must be one of text, json, got 'xml'"
    ]


def test_a_broken_definitions_file_is_one_line_and_exit_2(redis_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "checkpoints.yaml"
    broken.write_text("checkpoints:\n  - name: a\n    validators: [null\n")
    done = run_worker({"CHECKFLEET_REDIS_URL": redis_url, "CHECKFLEET_CHECKPOINTS": str(broken)})
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("python -m worker:")]
    assert str(broken) in line and "expected ',' or ']'" in line
