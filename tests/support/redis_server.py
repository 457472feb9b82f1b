"""A private `redis-server` for tests: its own free port, its own temp dir, no persistence.

Tests must never touch a Redis that may already run on the machine (6379), so every test
session starts this one. `stop()` / `start()` / `restart()` let fault tests take it away and
bring it back on the same port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

INSTALL_HINT = (
    "redis-server was not found on PATH. The tests start their own private Redis; install it "
    "with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)."
)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One redis-server process on 127.0.0.1 that the tests own."""

    def __init__(self, port: int | None = None, binary: str | None = None) -> None:
        found = binary or shutil.which("redis-server")
        if found is None:
            raise FileNotFoundError(INSTALL_HINT)
        self.binary = found
        self.port = port or free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="checkfleet-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 10.0) -> None:
        if self.running:
            return
        log = Path(self._dir.name) / "redis.log"
        self._process = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", self._dir.name,
                "--save", "",
                "--appendonly", "no",
                "--logfile", str(log),
                "--daemonize", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_for_ping(timeout_s, log)

    def _wait_for_ping(self, timeout_s: float, log: Path) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                if not self.running:
                    output = log.read_text() if log.exists() else ""
                    raise RuntimeError(f"redis-server exited at start-up:\n{output}")
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.02)
            raise TimeoutError(f"redis-server on port {self.port} did not answer PING")
        finally:
            client.close()

    def stop(self) -> None:
        """Stop the server at once, as an outage would (no graceful shutdown)."""
        if self._process is None:
            return
        self._process.kill()
        self._process.wait(timeout=10)
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def flush(self) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            client.flushall()
        finally:
            client.close()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()
