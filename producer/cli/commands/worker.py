"""`checkfleet worker`: become a worker process (the producer never imports `worker`)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from producer.cli.commands.common import fail, reported_errors
from producer.cli.commands.redis_access import command_redis
from shared.fleet import live_workers_on_host
from shared.settings import Settings

#: What `checkfleet worker` executes: the worker woken by enqueues (`worker.waking`); the same
#: command works without checkfleet's CLI, and so does arq's ``arq worker.WorkerSettings``.
WORKER_ARGV = ("-m", "worker")


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
        bool, typer.Option("--check", help="Run the health check and exit (0 = healthy).")
    ] = False,
) -> None:
    """Run a worker: replaces this process with ``python -m worker``.

    --check (the liveness probe) passes when a worker of THIS host renewed its heartbeat in
    the last 15 s and arq's health check passes; arq's key alone is shared by the whole fleet.
    """
    if check:
        check_host_heartbeat()
    if config is not None:
        os.environ["CHECKFLEET_CHECKPOINTS"] = str(config.resolve())
    argv = worker_argv(burst=burst, check=check)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


def check_host_heartbeat() -> None:
    """Exit 1 unless a worker of this host has a fresh heartbeat."""
    with reported_errors():
        settings = Settings.from_env()
        live = asyncio.run(count_live(settings))
    if live == 0:
        fail(f"no live checkfleet worker on {socket.gethostname()} (no fresh heartbeat)", code=1)


async def count_live(settings: Settings) -> int:
    async with command_redis(settings) as redis:
        return await live_workers_on_host(redis, settings.keys)
