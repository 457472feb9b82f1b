"""Actions run at most once per run id: runs stopped by SIGTERM past the graceful wait are
re-run by another worker, which reports the actions that already ran instead of repeating
their side effects."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest
from arq.connections import ArqRedis

from shared.job import RUN_CHECKPOINT
from shared.models import ActionStatus
from shared.settings import Settings
from tests.worker.fleet import published_run_ids, read_results, wait_until_ready

pytestmark = pytest.mark.slow


async def test_a_sigterm_rerun_repeats_no_side_effect(
    arq_pool: ArqRedis, worker_settings: Settings, spawn_worker: object, tmp_path: Path
) -> None:
    effects = tmp_path / "side-effects.txt"
    effects.touch()
    env = {"CHECKFLEET_TEST_SIDE_EFFECTS": str(effects), "CHECKFLEET_HEARTBEAT_S": "0.5"}
    first = spawn_worker(  # type: ignore[operator]
        "first", "waking", **env, CHECKFLEET_TEST_PAUSE_S="30", CHECKFLEET_GRACEFUL_SHUTDOWN_S="1"
    )
    await wait_until_ready(arq_pool, worker_settings, first)
    run_ids = ["run-a", "run-b", "run-c"]
    for run_id in run_ids:
        request = {"checkpoint": "side_effect", "run_id": run_id}
        assert await arq_pool.enqueue_job(RUN_CHECKPOINT, request, _job_id=run_id)
    deadline = time.monotonic() + 20
    while len(effects.read_text().split()) < len(run_ids):  # each in its long second action
        assert time.monotonic() < deadline, first.log()
        await asyncio.sleep(0.05)
    first.send(signal.SIGTERM)  # the runs outlast the graceful wait: cancelled, re-queued
    assert await asyncio.to_thread(first.wait, 20) == 0, first.log()
    second = spawn_worker("second", "waking", **env, CHECKFLEET_TEST_PAUSE_S="0.1")  # type: ignore[operator]
    deadline = time.monotonic() + 30
    while len(await published_run_ids(arq_pool, worker_settings)) < len(run_ids):
        assert time.monotonic() < deadline, second.log()
        await asyncio.sleep(0.1)
    assert sorted(await published_run_ids(arq_pool, worker_settings)) == run_ids
    assert sorted(effects.read_text().split()) == run_ids, "each side effect happened once"
    for result in await read_results(arq_pool, worker_settings):
        record, wait = result.action_results
        assert record.status is ActionStatus.SUCCESS and "earlier attempt" in record.message
        assert wait.status is ActionStatus.SKIPPED and "at most once" in wait.message
