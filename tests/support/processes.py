"""Real checkfleet processes for tests: workers and schedulers as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class ManagedProcess:
    """A subprocess whose output goes to a log file the test can show when it fails."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: Mapping[str, str],
        log_dir: Path,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            argv,
            cwd=cwd or REPO_ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def send(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout_s: float) -> int:
        return self.process.wait(timeout=timeout_s)

    def terminate(self, signum: signal.Signals = signal.SIGTERM, timeout_s: float = 15) -> int:
        """Send `signum` and wait for the exit code."""
        self.send(signum)
        return self.wait(timeout_s)

    def wait_for_log(self, text: str, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.name} never logged {text!r}:\n{self.log()}")

    def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


def exit_of(
    argv: list[str], env: Mapping[str, str], log_dir: Path, timeout_s: float = 15
) -> tuple[int, str, float]:
    """Run `argv` until it exits: its exit code, its output and the seconds it took; an
    AssertionError (with the output) when it is still running after `timeout_s`."""
    started = time.monotonic()
    process = ManagedProcess(Path(argv[-1]).name, argv, env, log_dir)
    try:
        code = process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"still running after {timeout_s:g} s:\n{process.log()}") from None
    finally:
        process.stop()
    return code, process.log(), time.monotonic() - started


def worker_argv(*extra: str) -> list[str]:
    return [sys.executable, "-m", "arq", "worker.WorkerSettings", *extra]


def waking_worker_argv() -> list[str]:
    return [sys.executable, "-m", "worker"]
