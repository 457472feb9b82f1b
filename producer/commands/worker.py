"""`checkfleet worker`: become an arq worker process (the producer never imports `worker`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

#: What `checkfleet worker` executes; the same command works without checkfleet's CLI.
WORKER_ARGV = ("-m", "arq", "worker.WorkerSettings")


def worker_argv(*, burst: bool = False, check: bool = False) -> list[str]:
    argv = [sys.executable, *WORKER_ARGV]
    if burst:
        argv.append("--burst")
    if check:
        argv.append("--check")
    return argv


def worker_command(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Checkpoint definitions (sets CHECKFLEET_CHECKPOINTS)."),
    ] = None,
    burst: Annotated[bool, typer.Option("--burst", help="Exit once the queue is empty.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Run arq's health check and exit (0 = healthy).")
    ] = False,
) -> None:
    """Run a worker: replaces this process with ``python -m arq worker.WorkerSettings``."""
    if config is not None:
        os.environ["CHECKFLEET_CHECKPOINTS"] = str(config.resolve())
    argv = worker_argv(burst=burst, check=check)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
