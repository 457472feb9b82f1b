"""The processes `make demo` starts: a private redis-server when needed, workers, a scheduler,
the dashboard.
Each runs in its own session (Ctrl-C reaches only the demo, which stops them in order) with
its output in a log file."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import redis

#: Longer than the workers' graceful wait in the demo (CHECKFLEET_GRACEFUL_SHUTDOWN_S=5).
STOP_TIMEOUT_S = 15.0


class DemoProcess:
    """A child process whose output goes to `log_path`."""

    def __init__(
        self, name: str, argv: list[str], log_dir: Path, env: Mapping[str, str] | None = None
    ) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                env={**os.environ, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM, then SIGKILL if it does not exit in time; its exit code."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=timeout_s)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_answers(url: str, timeout_s: float = 1.0) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def start_redis(log_dir: Path, data_dir: Path) -> tuple[DemoProcess, str] | None:
    """A private redis-server on a free port (no persistence) and its URL; None without the
    binary or when it does not come up."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    argv = [
        binary,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(data_dir),
    ]  # fmt: skip
    process = DemoProcess("redis-server", argv, log_dir)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if redis_answers(url, 0.2):
            return process, url
        if not process.running:
            break
        time.sleep(0.05)
    process.stop()
    return None


def start_worker(name: str, log_dir: Path, env: Mapping[str, str]) -> DemoProcess:
    argv = [sys.executable, "-m", "worker"]
    return DemoProcess(name, argv, log_dir, env)


def start_scheduler(log_dir: Path, env: Mapping[str, str]) -> DemoProcess:
    argv = [sys.executable, "-m", "producer", "--poll-interval-s", "0.2"]
    return DemoProcess("scheduler", argv, log_dir, env)


def start_dashboard(log_dir: Path, env: Mapping[str, str], port: int) -> DemoProcess:
    argv = [sys.executable, "-m", "producer.cli", "dashboard", "--port", str(port)]
    return DemoProcess("dashboard", argv, log_dir, env)


def stop_all(processes: list[DemoProcess]) -> dict[str, int]:
    """Stop in reverse start order (dashboard, scheduler, workers, then Redis); exit code by
    name."""
    codes: dict[str, int] = {}
    for process in reversed(processes):
        with contextlib.suppress(OSError):
            codes[process.name] = process.stop()
    return codes
