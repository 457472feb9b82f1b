"""A fleet with `CHECKFLEET_SIGNING_KEY`: the documented shell example is signed and runs, and
unsigned, forged or stale requests and jobs are dead letters; a signed inline spec is trusted."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis

from shared import codec
from shared.arq_protocol import pack_job
from shared.enqueue import job_payload
from shared.job import RUN_CHECKPOINT, RunRequest
from shared.keys import Keys
from shared.models import CheckpointStatus
from shared.serializer import serialize_job
from shared.trust.signing import sign_fields
from tests.producer.scheduler_process import SchedulerProcess
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.support.redis_server import RedisServer
from tests.support.snippets import snippet

pytestmark = pytest.mark.slow
KEY = "the-fleet-signing-key"
KEYS = Keys()


@pytest.fixture
def signed_fleet(
    redis_server: RedisServer, tmp_path: Path
) -> Iterator[tuple[dict[str, str], sync_redis.Redis, Path]]:
    if not redis_server.running:
        redis_server.start()
    redis_server.flush()
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("id,amount\n1,2.5\n")
    (tmp_path / "outside.csv").write_text("id\n1\n")
    definitions = tmp_path / "checkpoints.yaml"
    definitions.write_text(
        f"checkpoints:\n  - name: orders\n    data_source: {data}/orders.csv\n"
        "    validators: [null]\n"
    )
    env = {
        "CHECKFLEET_REDIS_URL": redis_server.url,
        "CHECKFLEET_CHECKPOINTS": str(definitions),
        "CHECKFLEET_SIGNING_KEY": KEY,
    }
    worker = ManagedProcess("worker", waking_worker_argv(), env, tmp_path)
    scheduler = SchedulerProcess("scheduler", env, tmp_path)
    client = sync_redis.Redis.from_url(redis_server.url)
    try:
        worker.wait_for_log("ready", timeout_s=30)
        scheduler.wait_for_log("started", timeout_s=30)
        yield env, client, tmp_path
        assert worker.process.poll() is None and scheduler.process.poll() is None
    finally:
        scheduler.stop()
        worker.stop()
        client.close()


def wait_for_outcomes(client: sync_redis.Redis, count: int) -> None:
    deadline = time.monotonic() + 30
    while client.xlen(KEYS.results) + client.xlen(KEYS.dead) < count:
        assert time.monotonic() < deadline, "outcomes missing"
        time.sleep(0.05)
    time.sleep(0.3)


def test_the_documented_signed_request_runs(
    signed_fleet: tuple[dict[str, str], sync_redis.Redis, Path],
) -> None:
    env, client, _ = signed_fleet
    completed = subprocess.run(
        ["sh", "-c", snippet("signed-request", "security.md")],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    wait_for_outcomes(client, 1)
    assert client.xlen(KEYS.dead) == 0, client.xrange(KEYS.dead)
    [(_, fields)] = client.xrange(KEYS.results)
    result = codec.decode_result(fields[b"result"])
    assert (result.run_id, result.status) == ("orders-signed", CheckpointStatus.SUCCESS)
    assert result.provenance["signed"] is True
    assert str(result.provenance["origin"]).startswith("request-stream:")


def test_unsigned_forged_and_stale_requests_are_dead_letters(
    signed_fleet: tuple[dict[str, str], sync_redis.Redis, Path],
) -> None:
    _, client, _ = signed_fleet
    client.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "unsigned"})
    client.xadd(KEYS.requests, sign_fields("wrong-key", {"checkpoint": "orders"}))
    client.xadd(KEYS.requests, sign_fields(KEY, {"checkpoint": "orders"}, now=time.time() - 10**6))
    now_ms = int(time.time() * 1000)
    unsigned_job = pack_job(
        RUN_CHECKPOINT, [job_payload(RunRequest(checkpoint="orders"))], now_ms, serialize_job
    )
    client.set(Keys.arq_job("unsigned-job"), unsigned_job, px=60_000)
    client.zadd(KEYS.queue, {"unsigned-job": now_ms})
    wait_for_outcomes(client, 4)
    reasons = sorted(fields[b"reason"].decode() for _, fields in client.xrange(KEYS.dead))
    assert client.xlen(KEYS.results) == 0
    assert len(reasons) == 4
    assert sum("unsigned" in reason for reason in reasons) == 2
    assert any("forged" in reason for reason in reasons)
    assert any("stale" in reason for reason in reasons)


def test_a_signed_inline_spec_is_trusted(
    signed_fleet: tuple[dict[str, str], sync_redis.Redis, Path],
) -> None:
    _, client, tmp_path = signed_fleet
    spec = {"name": "adhoc", "data_source": str(tmp_path / "outside.csv"), "validators": ["null"]}
    request = RunRequest(checkpoint=spec, run_id="signed-inline")
    now_ms = int(time.time() * 1000)
    job = pack_job(RUN_CHECKPOINT, [job_payload(request, KEY)], now_ms, serialize_job)
    client.set(Keys.arq_job("signed-inline"), job, px=60_000)
    client.zadd(KEYS.queue, {"signed-inline": now_ms})
    wait_for_outcomes(client, 1)
    [(_, fields)] = client.xrange(KEYS.results)
    result = codec.decode_result(fields[b"result"])
    assert result.status is CheckpointStatus.SUCCESS, result.error
    assert result.provenance["signed"] is True and result.provenance["inline"] is True
