"""A real fleet for the dashboard tests: the private Redis, a worker process with the test
fleet's checkpoints, and `checkfleet dashboard` as a process of its own on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.settings import Settings
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.support.redis_server import free_port
from tests.worker.fleet import write_fleet_files

CHECKFLEET = str(Path(sys.executable).with_name("checkfleet"))
TOKEN = "test-token-0123456789"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Dashboard:
    url: str
    env: dict[str, str]
    process: ManagedProcess

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as response:
            return str(response.read().decode())

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        """The status and body of a form POST, redirects not followed."""
        request = urllib.request.Request(
            self.url + path.lstrip("/"), data=urllib.parse.urlencode(form).encode()
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def checkfleet(self, *args: str) -> tuple[int, str, str]:
        """A ``checkfleet`` command as a process of its own (Playwright's sync API keeps an
        event loop in the test's thread, so the CLI cannot run in it)."""
        done = subprocess.run(
            [CHECKFLEET, *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return done.returncode, done.stdout, done.stderr


def start_dashboard(
    env: dict[str, str], log_dir: Path, cwd: Path | None = None, name: str = "dashboard"
) -> Dashboard:
    port = free_port()
    process = ManagedProcess(
        name, [CHECKFLEET, "dashboard", "--port", str(port)], env, log_dir, cwd=cwd
    )
    process.wait_for_log("dashboard at")
    return Dashboard(f"http://127.0.0.1:{port}/", env, process)


@pytest.fixture
def fleet_env(settings: Settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A worker process on the private Redis with the test fleet's checkpoints."""
    env = {
        "CHECKFLEET_REDIS_URL": settings.redis_url,
        "CHECKFLEET_CHECKPOINTS": str(write_fleet_files(tmp_path)),
        "COLUMNS": "160",
        "CHECKFLEET_TEST_PAUSE_S": "20",  # the `slow` checkpoint runs long enough to cancel
    }
    worker = ManagedProcess("worker", waking_worker_argv(), env, tmp_path)
    try:
        worker.wait_for_log("ready")
        yield env
    finally:
        worker.stop()


@pytest.fixture
def dashboard(fleet_env: dict[str, str], tmp_path: Path) -> Iterator[Dashboard]:
    """`checkfleet dashboard` on the fleet, with actions enabled by `TOKEN`."""
    env = {**fleet_env, "CHECKFLEET_DASHBOARD_TOKEN": TOKEN}
    started = start_dashboard(env, tmp_path, cwd=tmp_path)
    try:
        yield started
    finally:
        started.process.stop()
