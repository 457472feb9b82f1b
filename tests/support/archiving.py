"""Archivers as real processes, and the checks that a store holds each run exactly once."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from shared.store import FigureQuery, open_store
from tests.support.processes import ManagedProcess


def archiver_process(
    name: str, redis_url: str, store_url: str, log_dir: Path, *, faulty: bool = False, **env: str
) -> ManagedProcess:
    """`checkfleet archive` (or, `faulty`, the one pausing between commit and ack)."""
    if faulty:
        argv = [sys.executable, "-m", "tests.support.archiver_process"]
    else:
        argv = [sys.executable, "-c", "from producer.cli import main; main()", "archive"]
        argv += ["--consumer", name, "--batch-size", "50", "--flush-interval-s", "0.05"]
        argv += ["--claim-idle-s", "0.5"]
    environment = {"CHECKFLEET_REDIS_URL": redis_url, "CHECKFLEET_STORE_URL": store_url, **env}
    return ManagedProcess(name, argv, environment, log_dir)


async def stored_count(store_url: str) -> int:
    async with open_store(store_url) as store:
        return await store.count_runs()


async def wait_for_stored(
    store_url: str, count: int, timeout_s: float, *logs: ManagedProcess
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await stored_count(store_url) >= count:
            return
        await asyncio.sleep(0.1)
    shown = "\n".join(process.log()[-3000:] for process in logs)
    raise AssertionError(f"only {await stored_count(store_url)} of {count} runs stored\n{shown}")


async def stored_once(store_url: str, checkpoint: str) -> list[str]:
    """The run ids stored for `checkpoint`, one per figure of the run's row count: a run whose
    figures were added twice appears twice."""
    async with open_store(store_url) as store:
        points = await store.figures(FigureQuery(checkpoint, metric="row_count", runs=100_000))
        runs = await store.count_runs(checkpoint)
    run_ids = sorted(point.run_id for point in points)
    assert len(run_ids) == runs, f"{len(run_ids)} row-count figures for {runs} runs"
    return run_ids
