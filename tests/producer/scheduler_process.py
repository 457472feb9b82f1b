"""Scheduler processes for tests: ``python -m producer`` as a subprocess, output in a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class SchedulerProcess:
    """One ``python -m producer`` whose log the test can read and show when it fails."""

    def __init__(self, name: str, env: Mapping[str, str], log_dir: Path, *options: str) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "producer", "--poll-interval-s", "0.05", *options],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.name} never logged {text!r}:\n{self.log()}")

    def terminate(self, signum: signal.Signals = signal.SIGTERM, timeout_s: float = 15) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=timeout_s)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


@contextmanager
def scheduler_process(
    name: str, env: Mapping[str, str], log_dir: Path, *options: str
) -> Iterator[SchedulerProcess]:
    process = SchedulerProcess(name, env, log_dir, *options)
    try:
        process.wait_for_log("started")
        yield process
    finally:
        process.close()
