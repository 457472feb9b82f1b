"""Data, definitions and stream readers shared by the worker tests."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import Redis

from shared import codec
from shared.job import RUN_CHECKPOINT
from shared.keys import Keys
from shared.models import CheckpointResult
from shared.settings import Settings
from tests.support.processes import ManagedProcess

GOOD_ROWS = "id,amount\n1,10.5\n2,20.0\n3,7.25\n4,99.0\n"
# half the amounts missing: a `high` null issue (the reference's thresholds), a failure
# with fail_on_high
BAD_ROWS = "id,amount\n1,10.5\n2,\n3,\n4,99.0\n"

DEFINITIONS = """\
checkpoints:
  - name: orders
    data_source: {data}/orders.csv
    validators: [null, unique]
    validator_config:
      unique: {{columns: [id]}}
  - name: orders_bad
    data_source: {data}/orders_bad.csv
    validators: [null]
    fail_on_high: true
  - name: orders_missing
    data_source: {data}/does-not-exist.csv
    validators: [null]
  - name: slow
    data_source: {data}/orders.csv
    validators: [null]
    actions:
      - {{type: custom, function: "tests.support.actions:pause"}}
  - name: side_effect
    data_source: {data}/orders.csv
    validators: [null]
    strategy: sequential
    actions:
      - {{type: custom, name: record, function: "tests.support.actions:record_side_effect"}}
      - {{type: custom, name: wait, function: "tests.support.actions:pause"}}
"""


def write_fleet_files(directory: Path) -> Path:
    """Writes the data files and the definitions; returns the definitions' path."""
    (directory / "orders.csv").write_text(GOOD_ROWS)
    (directory / "orders_bad.csv").write_text(BAD_ROWS)
    definitions = directory / "checkpoints.yaml"
    definitions.write_text(DEFINITIONS.format(data=directory))
    return definitions


def inline_spec(directory: Path, **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "inline",
        "data_source": str(directory / "orders.csv"),
        "validators": ["null"],
    }
    spec.update(overrides)
    return spec


async def read_results(redis: Redis, settings: Settings) -> list[CheckpointResult]:
    entries = await redis.xrange(settings.keys.results)
    return [codec.decode_result(fields[b"result"]) for _, fields in entries]


async def wait_until_ready(redis: ArqRedis, settings: Settings, process: ManagedProcess) -> None:
    """Until this worker's start-up is done (its own "ready" line: the health line is shared
    by every worker of the queue) and a worker of the queue polls it (the health line)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if " ready: queue " in process.log() and await redis.exists(settings.keys.health_check):
            return
        assert process.process.poll() is None, process.log()
        await asyncio.sleep(0.05)
    raise AssertionError(f"worker never became ready:\n{process.log()}")


async def published_run_ids(redis: ArqRedis, settings: Settings) -> list[str]:
    entries = await redis.xrange(settings.keys.results)
    return [fields[b"run_id"].decode() for _, fields in entries]


async def wait_for_results(
    redis: ArqRedis, settings: Settings, count: int, timeout_s: float
) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run_ids = await published_run_ids(redis, settings)
        if len(set(run_ids)) >= count:
            return run_ids
        await asyncio.sleep(0.1)
    raise AssertionError(f"only {len(await published_run_ids(redis, settings))} of {count} results")


async def wait_until_in_progress(redis: ArqRedis, job_ids: list[str]) -> None:
    """Until each job runs its function: claimed (arq's lease), recorded by its worker in
    `Keys.running` (as the claim takes it) and its try counted (as arq reads the job), i.e.
    past arq's start-of-job bookkeeping, which a fault there would undo."""
    keys = Keys()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        claimed = [await redis.exists(Keys.arq_in_progress(job_id)) for job_id in job_ids]
        started = [
            await redis.hexists(keys.running, job_id) and await redis.exists(Keys.arq_retry(job_id))
            for job_id in job_ids
        ]
        if all(claimed) and all(started):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"jobs {job_ids} never started")


async def enqueue_slow(redis: ArqRedis, run_id: str) -> None:
    job = await redis.enqueue_job(
        RUN_CHECKPOINT, {"checkpoint": "slow", "run_id": run_id}, _job_id=run_id
    )
    assert job is not None
