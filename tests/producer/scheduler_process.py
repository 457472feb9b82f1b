"""Scheduler processes for tests: ``python -m producer`` as a subprocess, output in a file."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import ManagedProcess


class SchedulerProcess(ManagedProcess):
    """One ``python -m producer`` whose log the test can read and show when it fails."""

    def __init__(self, name: str, env: Mapping[str, str], log_dir: Path, *options: str) -> None:
        argv = [sys.executable, "-m", "producer", "--poll-interval-s", "0.05", *options]
        super().__init__(name, argv, env, log_dir)


@contextmanager
def scheduler_process(
    name: str, env: Mapping[str, str], log_dir: Path, *options: str
) -> Iterator[SchedulerProcess]:
    process = SchedulerProcess(name, env, log_dir, *options)
    try:
        process.wait_for_log("started", timeout_s=30)
        yield process
    finally:
        process.close()
