"""A Redis master, its replica and one Sentinel watching them, on free loopback ports: the
smallest set-up that fails over (quorum 1), with short timeouts so a test sees a failover in
a few seconds. `cut_off_replica` then `fail_over` make a failover that loses writes."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import IO

import redis

from tests.support.redis_server import RedisServer, free_port

SERVICE = "mymaster"
#: How long the master may be silent before the sentinel calls it down.
DOWN_AFTER_MS = 1000


class SentinelSet:
    def __init__(self) -> None:
        self.master = RedisServer()
        self.replica = RedisServer(args=["--replicaof", "127.0.0.1", str(self.master.port)])
        self.sentinel_port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{SERVICE}/0"

    def start(self) -> None:
        self.master.start()
        self.replica.start()
        directory = self.replica.directory
        config = directory / "sentinel.conf"
        config.write_text(
            f"port {self.sentinel_port}\n"
            "bind 127.0.0.1\n"
            f"dir {directory}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {SERVICE} 5000\n"
        )
        self._log = (directory / "sentinel.log").open("wb")
        self._process = subprocess.Popen(
            [self.master.binary, str(config), "--sentinel"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_synced()

    def _wait_until_synced(self, timeout_s: float = 20) -> None:
        """Until the replica copies the master and the sentinel knows both."""
        sentinel = redis.Redis(host="127.0.0.1", port=self.sentinel_port)
        replica = self.replica.client()
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                try:
                    synced = replica.info("replication").get("master_link_status") == "up"
                    known = sentinel.sentinel_slaves(SERVICE)
                    if synced and known:
                        return
                except redis.RedisError:
                    pass
                time.sleep(0.1)
            raise TimeoutError(f"the replica or the sentinel never came up:\n{self.log()}")
        finally:
            sentinel.close()
            replica.close()

    def master_port(self) -> int:
        sentinel = redis.Redis(host="127.0.0.1", port=self.sentinel_port)
        try:
            _host, port = sentinel.sentinel_get_master_addr_by_name(SERVICE)
            return int(port)
        finally:
            sentinel.close()

    def cut_off_replica(self) -> None:
        """Freeze the replica (SIGSTOP) and drop its link to the master, so it misses every
        write from now on. Freezing alone is not enough: the kernel keeps receiving the
        replication stream for the frozen process, which reads it all when woken."""
        self.replica.send_signal(signal.SIGSTOP)
        master = self.master.client()
        try:
            master.execute_command("CLIENT", "KILL", "TYPE", "replica")
        finally:
            master.close()

    def fail_over(self, timeout_s: float = 30) -> float:
        """Kill the master (SIGKILL), wake the replica (SIGCONT) and wait until the sentinel
        has promoted it; how many seconds that took. Nothing in the sentinel's or the
        replica's settings bars a replica that lagged: it is promoted, missing what it missed
        (its link was down for less than ten times ``down-after-milliseconds``)."""
        started = time.monotonic()
        self.master.stop()
        self.replica.send_signal(signal.SIGCONT)
        replica = self.replica.client()
        try:
            while time.monotonic() - started < timeout_s:
                try:
                    promoted = self.master_port() == self.replica.port
                    if promoted and replica.info("replication").get("role") == "master":
                        return time.monotonic() - started
                except redis.RedisError:
                    pass
                time.sleep(0.1)
        finally:
            replica.close()
        raise TimeoutError(f"the sentinel promoted no replica:\n{self.log()}")

    def log(self) -> str:
        path: Path = self.replica.directory / "sentinel.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
        self.replica.close()
        self.master.close()
