"""Every process refused by Redis (no password, an untrusted certificate) says why within 15 s
and exits with a clean code: no traceback, no recursion, no silent retry loop."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.access import without_ca, without_password
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow

CHECKFLEET = [sys.executable, "-c", "from producer.cli.app import main; main()"]
SCHEDULER = [sys.executable, "-m", "producer", "--poll-interval-s", "0.05"]
#: Exit code of a worker or a scheduler that Redis refuses; CLI commands exit 3 on any error.
EXIT_CONFIG = 2


def exit_of(argv: list[str], url: str, tmp_path: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    process = ManagedProcess(argv[-1], argv, {"CHECKFLEET_REDIS_URL": url}, tmp_path)
    try:
        code = process.wait(15)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"still running after 15 s:\n{process.log()}") from None
    finally:
        process.stop()
    return code, process.log(), time.monotonic() - started


@pytest.mark.parametrize("role", ["worker", "scheduler", "stats"])
def test_a_missing_password_ends_every_process_with_a_message(
    password_server: RedisServer, role: str, tmp_path: Path
) -> None:
    argv = {"worker": waking_worker_argv(), "scheduler": SCHEDULER, "stats": [*CHECKFLEET, "stats"]}
    code, log, took_s = exit_of(argv[role], without_password(password_server), tmp_path)
    assert code == (3 if role == "stats" else EXIT_CONFIG), log
    assert "Redis refused the credentials" in log
    assert "Traceback" not in log and "RecursionError" not in log
    print(f"{role}: exit {code} after {took_s:.1f} s")


@pytest.mark.parametrize("role", ["worker", "scheduler"])
def test_an_untrusted_certificate_ends_every_process_with_a_message(
    tls_server: RedisServer, role: str, tmp_path: Path
) -> None:
    argv = waking_worker_argv() if role == "worker" else SCHEDULER
    code, log, _ = exit_of(argv, without_ca(tls_server), tmp_path)
    assert code == EXIT_CONFIG, log
    assert "the TLS certificate of Redis is not trusted" in log and "Traceback" not in log


def test_a_worker_over_tls_with_the_ca_file_runs(tls_server: RedisServer, tmp_path: Path) -> None:
    process = ManagedProcess(
        "worker", waking_worker_argv(), {"CHECKFLEET_REDIS_URL": tls_server.url}, tmp_path
    )
    try:
        process.wait_for_log("ready", timeout_s=20)
    finally:
        process.stop()
