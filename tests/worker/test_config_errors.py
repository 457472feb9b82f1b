"""A worker process with a bad setting or a broken definitions file says so in one line and
exits 2 (fix the configuration), without a traceback: ``python -m worker`` and arq's CLI
(``arq worker.WorkerSettings``) alike."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import waking_worker_argv, worker_argv

pytestmark = pytest.mark.slow

ARGV = {"waking": waking_worker_argv(), "arq": worker_argv()}
#: How each entry names itself in a bad setting's line.
NAMED = {"waking": "python -m worker", "arq": "worker.WorkerSettings"}


def run_worker(entry: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ARGV[entry],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("entry", ["waking", "arq"])
def test_a_bad_setting_is_one_line_and_exit_2(entry: str) -> None:
    done = run_worker(entry, {"CHECKFLEET_LOG_FORMAT": "xml"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"{NAMED[entry]}: CHECKFLEET_LOG_FORMAT: must be one of text, json, got 'xml'"
    ]


@pytest.mark.parametrize("entry", ["waking", "arq"])
def test_a_broken_definitions_file_is_one_line_and_exit_2(
    redis_url: str, tmp_path: Path, entry: str
) -> None:
    broken = tmp_path / "checkpoints.yaml"
    broken.write_text("checkpoints:\n  - name: a\n    validators: [null\n")
    done = run_worker(
        entry, {"CHECKFLEET_REDIS_URL": redis_url, "CHECKFLEET_CHECKPOINTS": str(broken)}
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if "worker cannot start:" in line]
    assert str(broken) in line and "expected ',' or ']'" in line
