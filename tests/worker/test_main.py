"""``python -m worker`` as a command: burst mode drains the queue; --check reports health."""

from __future__ import annotations

import asyncio
import os
import subprocess

from arq.connections import ArqRedis

from shared.enqueue import enqueue_run
from shared.job import RunRequest
from shared.settings import Settings
from tests.support.processes import REPO_ROOT, waking_worker_argv
from tests.worker.fleet import read_results


def run_worker_command(settings: Settings, *flags: str) -> int:
    environment = {
        **os.environ,
        "CHECKFLEET_REDIS_URL": settings.redis_url,
        "CHECKFLEET_CHECKPOINTS": str(settings.checkpoints),
    }
    completed = subprocess.run(
        [*waking_worker_argv(), *flags],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return completed.returncode


async def test_burst_drains_the_queue_then_check_sees_no_live_worker(
    arq_pool: ArqRedis, worker_settings: Settings
) -> None:
    for index in range(3):
        request = RunRequest(checkpoint="orders", run_id=f"b-{index}")
        await enqueue_run(arq_pool, worker_settings.keys, request)
    assert await asyncio.to_thread(run_worker_command, worker_settings, "--burst") == 0
    run_ids = sorted(result.run_id for result in await read_results(arq_pool, worker_settings))
    assert run_ids == ["b-0", "b-1", "b-2"]
    # a stopped worker removed its health line
    assert await asyncio.to_thread(run_worker_command, worker_settings, "--check") == 1
