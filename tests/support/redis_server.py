"""A private `redis-server` for tests: its own free port, its own temp dir, no persistence.

Tests must never touch a Redis that may already run on the machine (6379), so every test
session starts this one. `stop()` / `start()` / `restart()` let fault tests take it away and
bring it back on the same port. Fault tests give it more options: extra ``args`` (a
``maxmemory``, persistence), a ``password`` (``requirepass``), TLS certificates.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import redis

from tests.support.tls import TlsFiles

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

    def __init__(
        self,
        port: int | None = None,
        binary: str | None = None,
        *,
        args: Sequence[str] = (),
        password: str | None = None,
        tls: TlsFiles | None = None,
        tls_cert: tuple[Path, Path] | None = None,
    ) -> None:
        found = binary or shutil.which("redis-server")
        if found is None:
            raise FileNotFoundError(INSTALL_HINT)
        self.binary = found
        self.port = port or free_port()
        self.args = list(args)
        self.password = password
        self.tls = tls
        #: The certificate and key the server shows (default: the one for 127.0.0.1).
        self.tls_cert = tls_cert or ((tls.server_cert, tls.server_key) if tls else None)
        self._dir = tempfile.TemporaryDirectory(prefix="checkfleet-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def directory(self) -> Path:
        return Path(self._dir.name)

    @property
    def url(self) -> str:
        """The URL with the password; a TLS server's names its CA file."""
        auth = f":{self.password}@" if self.password else ""
        if self.tls is None:
            return f"redis://{auth}127.0.0.1:{self.port}/0"
        return f"rediss://{auth}127.0.0.1:{self.port}/0?ssl_ca_certs={self.tls.ca_cert}"

    def _listen_args(self) -> list[str]:
        if self.tls is None or self.tls_cert is None:
            return ["--port", str(self.port)]
        cert, key = self.tls_cert
        return [
            "--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(cert),
            "--tls-key-file", str(key), "--tls-ca-cert-file", str(self.tls.ca_cert),
            "--tls-auth-clients", "no",
        ]  # fmt: skip

    def client(self) -> redis.Redis:
        """A synchronous admin client (password and CA included)."""
        options: dict[str, Any] = {"host": "127.0.0.1", "port": self.port}
        if self.password:
            options["password"] = self.password
        if self.tls is not None:
            options.update(ssl=True, ssl_ca_certs=str(self.tls.ca_cert))
        return redis.Redis(**options)

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
                *self._listen_args(),
                "--bind", "127.0.0.1",
                "--dir", self._dir.name,
                "--save", "",
                "--appendonly", "no",
                "--logfile", str(log),
                "--daemonize", "no",
                *(["--requirepass", self.password] if self.password else []),
                *self.args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_for_ping(timeout_s, log)

    def _wait_for_ping(self, timeout_s: float, log: Path) -> None:
        client = self.client()
        client.connection_pool.connection_kwargs["socket_connect_timeout"] = 0.2
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

    def send_signal(self, signal_number: int) -> None:
        """Signal the running server (SIGSTOP / SIGCONT freeze and wake it)."""
        assert self._process is not None, "not running"
        self._process.send_signal(signal_number)

    def restart(self) -> None:
        self.stop()
        self.start()

    def flush(self) -> None:
        client = self.client()
        try:
            client.flushall()
        finally:
            client.close()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()
