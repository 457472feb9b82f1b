"""Alert state and rate limits across a fleet of two real worker processes: transitions
notify once however the runs are spread, and a channel's rate holds for the whole fleet."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from arq.connections import ArqRedis

from shared.job import RUN_CHECKPOINT
from shared.redis_connection import connect_arq
from shared.settings import Settings
from tests.support.http_server import RecordingHTTPServer
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.worker.fleet import BAD_ROWS, GOOD_ROWS

pytestmark = pytest.mark.slow

DEFINITIONS = """\
checkpoints:
  - name: orders
    data_source: {data}/orders.csv
    validators: [null]
    fail_on_high: true  # half the amounts missing is `high`: make it a failing run
    actions:
      - {{type: webhook, name: new-failure, url: "{hook}/new_failure", notify_on: new_failure}}
      - {{type: webhook, name: recovered, url: "{hook}/recovered", notify_on: recovered}}
  - name: chatty
    data_source: {data}/chatty.csv
    validators: [null]
    actions:
      - type: webhook
        url: "{hook}/limited"
        rate_limit_per_s: 4
        rate_limit_max_wait_s: 20
"""


@pytest.fixture
def hook() -> Iterator[RecordingHTTPServer]:
    with RecordingHTTPServer() as server:
        yield server


@pytest.fixture
def fleet(
    tmp_path: Path, redis_url: str, hook: RecordingHTTPServer
) -> Iterator[tuple[Settings, list[ManagedProcess]]]:
    (tmp_path / "orders.csv").write_text(GOOD_ROWS)
    (tmp_path / "chatty.csv").write_text(GOOD_ROWS)
    definitions = tmp_path / "checkpoints.yaml"
    definitions.write_text(DEFINITIONS.format(data=tmp_path, hook=hook.url))
    env = {
        "CHECKFLEET_REDIS_URL": redis_url,
        "CHECKFLEET_CHECKPOINTS": str(definitions),
        "CHECKFLEET_WORKER_CONCURRENCY": "2",
    }
    workers = [ManagedProcess(f"worker-{n}", waking_worker_argv(), env, tmp_path) for n in (1, 2)]
    try:
        for worker in workers:
            worker.wait_for_log("ready", timeout_s=30)
        yield Settings.from_env(env), workers
    finally:
        for worker in workers:
            worker.stop()


async def wait_for_results(redis: ArqRedis, settings: Settings, count: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if await redis.xlen(settings.keys.results) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} results")


async def test_a_sequence_of_runs_notifies_one_new_failure_and_one_recovery(
    fleet: tuple[Settings, list[ManagedProcess]], hook: RecordingHTTPServer, tmp_path: Path
) -> None:
    settings, workers = fleet
    redis = await connect_arq(settings)
    try:
        # pass, fail, fail, fail, pass, pass: one run at a time, each on whichever worker
        for index, rows in enumerate(
            [GOOD_ROWS, BAD_ROWS, BAD_ROWS, BAD_ROWS, GOOD_ROWS, GOOD_ROWS]
        ):
            (tmp_path / "orders.csv").write_text(rows)
            run_id = f"orders-{index}"
            await redis.enqueue_job(
                RUN_CHECKPOINT, {"checkpoint": "orders", "run_id": run_id}, _job_id=run_id
            )
            await wait_for_results(redis, settings, index + 1)
    finally:
        await redis.aclose()
    notified = [(request.path, request.json()["run_id"]) for request in hook.requests]
    assert notified == [("/new_failure", "orders-1"), ("/recovered", "orders-4")]
    ran_on = [sum("run finished" in line for line in w.log().splitlines()) for w in workers]
    assert sum(ran_on) == 6


async def test_a_channel_rate_limit_holds_across_two_workers(
    fleet: tuple[Settings, list[ManagedProcess]], hook: RecordingHTTPServer
) -> None:
    settings, workers = fleet
    redis = await connect_arq(settings)
    try:
        for index in range(8):
            run_id = f"chatty-{index}"
            await redis.enqueue_job(
                RUN_CHECKPOINT, {"checkpoint": "chatty", "run_id": run_id}, _job_id=run_id
            )
        await wait_for_results(redis, settings, 8)
    finally:
        await redis.aclose()
    arrivals = sorted(request.at for request in hook.requests)
    assert len(arrivals) == 8
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    # 4 per second, fleet-wide: 0.25 s apart (a little less from scheduling jitter)
    assert min(gaps) > 0.2, gaps
    assert arrivals[-1] - arrivals[0] > 7 * 0.25 - 0.1
    ran_on = [sum("run finished" in line for line in w.log().splitlines()) for w in workers]
    assert all(count > 0 for count in ran_on), f"both workers ran some: {ran_on}"
