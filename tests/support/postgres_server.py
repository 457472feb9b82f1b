"""A private PostgreSQL cluster for tests: `initdb` into a temp dir, its own free port.

Tests must never touch a PostgreSQL that may already run on the machine (5432), so every test
session that asks for one initialises a throw-away cluster and starts it with `pg_ctl` on a
free loopback port, its unix sockets in the same temp dir. TCP connections need a password
(scram-sha-256), so a wrong password is a real authentication failure; the unix socket trusts
local connections, which is how the fixture itself creates and drops databases.

PostgreSQL refuses to run as root: when the tests run as root, the temp dir is handed to the
`postgres` user and every server command runs through `runuser -u postgres --`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

from tests.support.redis_server import free_port

INSTALL_HINT = (
    "PostgreSQL's initdb was not found (looked in /usr/lib/postgresql/*/bin and on PATH). "
    "The tests start their own private cluster; install the server binaries with "
    "`apt-get install postgresql` (Debian/Ubuntu) or `brew install postgresql` (macOS)."
)

#: The role the tests connect as over TCP, and its password (a secret the tests look for).
TEST_USER = "checkfleet"
TEST_PASSWORD = "pg-test-s3cret"
SERVER_USER = "postgres"


def find_bindir() -> Path:
    """The newest PostgreSQL server bin directory: Debian's versioned dirs first, then PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: (
            int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    if on_path is not None and Path(on_path).with_name("pg_ctl").exists():
        return Path(on_path).parent
    raise FileNotFoundError(INSTALL_HINT)


class PostgresServer:
    """One PostgreSQL cluster on 127.0.0.1 that the tests own."""

    def __init__(self, port: int | None = None, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="checkfleet-pg-"))
        self.data_dir = self.dir / "data"
        self.log_path = self.dir / "postgres.log"
        self._as_server_user: list[str] = []
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVER_USER)  # KeyError: no postgres user to run as
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            self._as_server_user = ["runuser", "-u", SERVER_USER, "--"]
        self._databases = 0
        self._initdb()

    def url(self, database: str = "postgres", password: str = TEST_PASSWORD) -> str:
        """A TCP URL for the test role, as a checkpoint definition would write it."""
        return (
            f"postgresql://{TEST_USER}:{quote(password, safe='')}@127.0.0.1:{self.port}/{database}"
        )

    @property
    def running(self) -> bool:
        status = self._run([self._bin("pg_ctl"), "status", "-D", str(self.data_dir)], check=False)
        return status.returncode == 0

    def _bin(self, name: str) -> str:
        return str(self.bindir / name)

    def _run(self, command: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*self._as_server_user, *command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            log = self.log_path.read_text() if self.log_path.exists() else ""
            raise RuntimeError(
                f"{Path(command[0]).name} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log}"
            )
        return result

    def _initdb(self) -> None:
        password_file = self.dir / "pwfile"
        password_file.write_text(TEST_PASSWORD + "\n")
        if self._as_server_user:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(password_file, entry.pw_uid, entry.pw_gid)
        self._run(
            [
                self._bin("initdb"),
                "-D", str(self.data_dir),
                "-U", TEST_USER,
                f"--pwfile={password_file}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )  # fmt: skip
        password_file.unlink()

    def start(self, timeout_s: float = 30.0) -> None:
        if self.running:
            return
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.dir}",
                # A throw-away cluster: durability only costs time here.
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=50",
            ]
        )
        self._run(
            [
                self._bin("pg_ctl"),
                "start",
                "-D", str(self.data_dir),
                "-l", str(self.log_path),
                "-o", options,
                "-w",
                "-t", str(int(timeout_s)),
            ]
        )  # fmt: skip
        self._wait_for_connection(timeout_s)

    def _admin_connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        # Over the unix socket in our temp dir (trusted), never over TCP to another server.
        return psycopg.connect(
            host=str(self.dir), port=self.port, user=TEST_USER, dbname=database, autocommit=True
        )

    def _wait_for_connection(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._admin_connect().close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop at once, as an outage would (`pg_ctl stop -m immediate`)."""
        if self.running:
            self._run(
                [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"]
            )

    def create_database(self) -> str:
        """A fresh, empty database owned by the test role; returns its name."""
        self._databases += 1
        name = f"test_{os.getpid()}_{self._databases}"
        with self._admin_connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self._admin_connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
