"""`checkfleet worker` becomes arq's worker process (checked with its --check mode)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from producer.commands.worker import worker_argv
from shared.settings import Settings

pytestmark = pytest.mark.slow


def test_worker_execs_arq_and_check_reports_no_live_worker(settings: Settings) -> None:
    env = {**os.environ, "CHECKFLEET_REDIS_URL": settings.redis_url}
    checkfleet = [sys.executable, "-c", "from producer.cli import main; main()"]
    done = subprocess.run(
        [*checkfleet, "worker", "--check"], env=env, capture_output=True, text=True, timeout=30
    )
    # arq's --check exits 1 when no worker wrote the health-check key: proof it ran arq
    assert done.returncode == 1, done.stderr
    assert "Health check failed" in done.stdout + done.stderr


def test_worker_argv_is_arq_on_worker_settings() -> None:
    assert worker_argv(burst=True)[1:] == ["-m", "arq", "worker.WorkerSettings", "--burst"]
