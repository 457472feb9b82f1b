"""A scheduler process and a worker process together: overlap ``skip`` against real runs."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis as sync_redis

from shared import codec
from shared.keys import Keys
from tests.producer.conftest import write_definitions
from tests.producer.scheduler_process import scheduler_process
from tests.support.processes import ManagedProcess, worker_argv

pytestmark = pytest.mark.slow
KEYS = Keys()
TICKS = 6


def test_overlap_skip_never_runs_a_checkpoint_twice_at_once(redis_url: str, tmp_path: Path) -> None:
    start = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
    trigger = {
        "type": "schedule",
        "name": "every",
        "interval_seconds": 1,
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(seconds=TICKS - 1)).isoformat(),
    }
    pause = {"type": "custom", "function": "tests.support.actions:pause"}
    definitions = write_definitions(
        tmp_path, [{"name": "slow", "triggers": [trigger], "actions": [pause]}]
    )
    env = {"CHECKFLEET_REDIS_URL": redis_url, "CHECKFLEET_CHECKPOINTS": definitions}
    worker = ManagedProcess(
        "worker", worker_argv(), {**env, "CHECKFLEET_TEST_PAUSE_S": "2.5"}, tmp_path
    )
    client = sync_redis.Redis.from_url(redis_url)
    try:
        with scheduler_process("scheduler", env, tmp_path) as scheduler:
            assert datetime.now(UTC) < start, "the scheduler took too long to start"
            last_tick = start + timedelta(seconds=TICKS - 1)
            while datetime.now(UTC) < last_tick + timedelta(seconds=1):
                time.sleep(0.1)
            deadline = time.monotonic() + 30
            while client.zcard(KEYS.queue) or client.keys("arq:in-progress:*"):
                assert time.monotonic() < deadline, worker.log()
                time.sleep(0.1)
            assert scheduler.terminate() == 0
    finally:
        worker.stop()
    results = [codec.decode_result(f[b"result"]) for _, f in client.xrange(KEYS.results)]
    skips = int(client.hget(KEYS.overlap_skips, "slow") or 0)
    assert len(results) + skips == TICKS, scheduler.log()
    assert skips >= 2 and len(results) >= 2
    runs = sorted(results, key=lambda result: result.run_time)
    for earlier, later in itertools.pairwise(runs):
        assert earlier.action_results[0].status.value == "success"
        assert later.run_time >= earlier.run_time + timedelta(seconds=2.5)
    assert "the previous run is still queued or running" in scheduler.log()
