"""The snippets of docs/wire-contract.md, run exactly as written, against a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shared.settings import Settings
from tests.support.snippets import snippet
from tests.worker.conftest import WorkerFactory


def run_snippet(name: str, redis_url: str, tmp_path: Path) -> str:
    script = tmp_path / f"{name}.py"
    script.write_text(snippet(name))
    completed = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "CHECKFLEET_REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


async def test_plain_arq_enqueue_and_plain_redis_py_consumer(
    worker_settings: Settings, make_worker: WorkerFactory, tmp_path: Path
) -> None:
    output = run_snippet("enqueue-with-arq", worker_settings.redis_url, tmp_path)
    assert output.strip() == "enqueued orders-2026-11-28"
    worker = make_worker()
    await worker.main()
    assert worker.jobs_complete == 1
    output = run_snippet("consume-with-redis-py", worker_settings.redis_url, tmp_path)
    assert output.strip() == "orders-2026-11-28 success 0 issues"
