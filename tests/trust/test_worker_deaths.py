"""A job that kills its worker every time: re-run after each death, then, after
`CHECKFLEET_MAX_WORKER_DEATHS` (3) deaths, one dead letter and one `error` result instead."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis as sync_redis

from shared import codec
from shared.keys import Keys
from shared.models import CheckpointStatus
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow
PREFIX = "trust-deaths"
KEYS = Keys(PREFIX)
DEFINITIONS = """\
checkpoints:
  - name: deadly
    data_source: {data}
    validators: [null]
"""


def test_a_job_that_kills_its_worker_is_dead_lettered_after_three_deaths(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    if not redis_server.running:
        redis_server.start()
    data = tmp_path / "orders.fatal"  # its reader kills the worker (tests.support.fatal_reader)
    data.write_text("id\n1\n")
    definitions = tmp_path / "checkpoints.yaml"
    definitions.write_text(DEFINITIONS.format(data=data))
    env = {
        "CHECKFLEET_REDIS_URL": redis_server.url,
        "CHECKFLEET_PREFIX": PREFIX,
        "CHECKFLEET_CHECKPOINTS": str(definitions),
        "CHECKFLEET_PLUGINS": "tests.support.fatal_reader",
    }
    client = sync_redis.Redis.from_url(redis_server.url)
    from shared.arq_protocol import pack_job
    from shared.enqueue import job_payload
    from shared.job import RUN_CHECKPOINT, RunRequest
    from shared.serializer import serialize_job

    job = pack_job(
        RUN_CHECKPOINT,
        [job_payload(RunRequest(checkpoint="deadly", run_id="d-1"))],
        int(time.time() * 1000),
        serialize_job,
    )
    client.set(Keys.arq_job("d-1"), job, px=600_000)
    client.zadd(KEYS.queue, {"d-1": time.time() * 1000})
    for death in range(3):
        worker = ManagedProcess(f"worker-{death}", waking_worker_argv(), env, tmp_path)
        try:
            assert worker.wait(timeout_s=30) == 70, worker.log()  # killed by the job
        finally:
            worker.stop()
        # The lease of the dead worker's claim would expire; removing it is what arq's expiry
        # (or a re-queue from heartbeats) does, without the wait.
        client.delete(*Keys.arq_job_keys(b"d-1")[1:2])
    survivor = ManagedProcess("survivor", waking_worker_argv(), env, tmp_path)
    try:
        deadline = time.monotonic() + 30
        while not client.xlen(KEYS.results) and time.monotonic() < deadline:
            assert survivor.process.poll() is None, survivor.log()
            time.sleep(0.1)
        assert survivor.process.poll() is None, survivor.log()
    finally:
        survivor.stop()
    [(_, fields)] = client.xrange(KEYS.results)
    result = codec.decode_result(fields[b"result"])
    assert (result.run_id, result.status) == ("d-1", CheckpointStatus.ERROR)
    assert "died 3 times" in (result.error or "")
    [(_, letter)] = client.xrange(KEYS.dead)
    assert b"CHECKFLEET_MAX_WORKER_DEATHS" in letter[b"reason"]
    assert client.zcard(KEYS.queue) == 0
