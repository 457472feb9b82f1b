"""Every process refused by Redis (no password, an untrusted certificate) says why within 15 s
and exits with a clean code: no traceback, no recursion, no silent retry loop."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.access import without_ca, without_password
from tests.support.processes import ManagedProcess, waking_worker_argv, worker_argv
from tests.support.processes import exit_of as process_exit
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow

CHECKFLEET = [sys.executable, "-c", "from producer.cli.app import main; main()"]
SCHEDULER = [sys.executable, "-m", "producer", "--poll-interval-s", "0.05"]
#: Exit code of a worker or a scheduler that Redis refuses; CLI commands exit 3 on any error.
EXIT_CONFIG = 2


def exit_of(argv: list[str], url: str, tmp_path: Path) -> tuple[int, str, float]:
    return process_exit(argv, {"CHECKFLEET_REDIS_URL": url}, tmp_path)


#: Each process kind: ``python -m worker``, arq's CLI on the same worker, the scheduler.
ARGV = {"worker": waking_worker_argv(), "arq-worker": worker_argv(), "scheduler": SCHEDULER}


@pytest.mark.parametrize("role", ["worker", "arq-worker", "scheduler", "stats"])
def test_a_missing_password_ends_every_process_with_a_message(
    password_server: RedisServer, role: str, tmp_path: Path
) -> None:
    argv = {**ARGV, "stats": [*CHECKFLEET, "stats"]}
    code, log, took_s = exit_of(argv[role], without_password(password_server), tmp_path)
    assert code == (3 if role == "stats" else EXIT_CONFIG), log
    assert "Redis refused the credentials" in log
    assert "Traceback" not in log and "RecursionError" not in log
    print(f"{role}: exit {code} after {took_s:.1f} s")


@pytest.mark.parametrize("role", ["worker", "arq-worker", "scheduler"])
def test_an_untrusted_certificate_ends_every_process_with_a_message(
    tls_server: RedisServer, role: str, tmp_path: Path
) -> None:
    code, log, _ = exit_of(ARGV[role], without_ca(tls_server), tmp_path)
    assert code == EXIT_CONFIG, log
    assert "the TLS certificate of Redis is not trusted" in log and "Traceback" not in log


@pytest.mark.parametrize("role", ["worker", "arq-worker"])
def test_a_worker_over_tls_with_the_ca_file_runs(
    tls_server: RedisServer, role: str, tmp_path: Path
) -> None:
    process = ManagedProcess(role, ARGV[role], {"CHECKFLEET_REDIS_URL": tls_server.url}, tmp_path)
    try:
        process.wait_for_log("ready", timeout_s=20)
    finally:
        process.stop()
