"""The redis-cli request of docs/wire-contract.md, run exactly as written, against a real
scheduler process and a real worker process."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import redis as sync_redis

from shared import codec
from tests.producer.scheduler_process import scheduler_process
from tests.support.processes import ManagedProcess, worker_argv
from tests.support.snippets import snippet
from tests.worker.fleet import write_fleet_files

pytestmark = pytest.mark.slow


def test_redis_cli_request_runs_on_a_real_scheduler_and_worker(
    redis_url: str, tmp_path: Path
) -> None:
    definitions = write_fleet_files(tmp_path)
    env = {"CHECKFLEET_REDIS_URL": redis_url, "CHECKFLEET_CHECKPOINTS": str(definitions)}
    worker = ManagedProcess("worker", worker_argv(), env, tmp_path)
    try:
        with scheduler_process("scheduler", env, tmp_path):
            command = snippet("redis-cli-request")
            completed = subprocess.run(
                ["sh", "-c", command],
                env={"PATH": "/usr/bin:/bin:/usr/local/bin", **env},
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert completed.returncode == 0, completed.stderr
            assert completed.stdout.strip().split("-")[0].isdigit()  # the entry id
            client = sync_redis.Redis.from_url(redis_url)
            deadline = time.monotonic() + 40
            entries: list[tuple[bytes, dict[bytes, bytes]]] = []
            while not entries:
                assert time.monotonic() < deadline, f"no result:\n{worker.log()}"
                entries = client.xrange("checkfleet:results")
                time.sleep(0.1)
    finally:
        worker.stop()
    ((_, fields),) = entries
    assert fields[b"run_id"] == b"orders-from-cli"
    assert fields[b"status"] == b"success"
    result = codec.decode_result(fields[b"result"])
    assert result.checkpoint_name == "orders"
    assert result.metadata["context"] == {"by": "billing"}
