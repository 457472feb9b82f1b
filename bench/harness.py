"""What every fleet benchmark shares: a private redis-server, the tiny checkpoint, worker
processes (checkfleet's and raw arq's), Redis clients, and printing medians with ratios.

Not a test: nothing here asserts a speed. Never touches a Redis on 6379: each benchmark starts
its own server on a free port (as the tests do, with the same helper).
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from arq.connections import ArqRedis  # noqa: E402

from bench.noop_worker import NOOP  # noqa: E402
from shared.arq_protocol import JOB_EXPIRY_EXTRA_MS, pack_job  # noqa: E402
from shared.keys import Keys  # noqa: E402
from shared.redis_connection import connect_arq  # noqa: E402
from shared.serializer import serialize_job  # noqa: E402
from shared.settings import Settings  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402

#: The checkpoint every fleet benchmark runs: a 100-row CSV, three validators, no actions.
CHECKPOINT = "tiny"
ROWS = 100
DEFINITIONS = """\
checkpoints:
  - name: tiny
    data_source: {data}
    validators:
      - {{type: null, config: {{columns: [amount]}}}}
      - {{type: unique, config: {{columns: [id]}}}}
      - {{type: range, config: {{columns: [amount], min: 0, max: 1000}}}}
"""


def write_fleet(directory: Path) -> Path:
    """The tiny CSV and a definitions file naming it; returns the definitions' path."""
    data = directory / "tiny.csv"
    lines = ["id,amount,category", *(f"{i},{i * 1.5},cat{i % 5}" for i in range(ROWS))]
    data.write_text("\n".join(lines) + "\n")
    definitions = directory / "checkpoints.yaml"
    definitions.write_text(DEFINITIONS.format(data=data))
    return definitions


@dataclass
class Fleet:
    """A private Redis and the environment a worker process of it needs."""

    server: RedisServer
    definitions: Path

    def env(self, kind: str = "checkfleet") -> dict[str, str]:
        return {
            "CHECKFLEET_REDIS_URL": self.server.url,
            "CHECKFLEET_CHECKPOINTS": str(self.definitions),
            "CHECKFLEET_PREFIX": PREFIXES[kind],
            "PYTHONPATH": str(REPO_ROOT),
        }

    def settings(self, kind: str = "checkfleet", **env: str) -> Settings:
        return Settings.from_env({**self.env(kind), **env})

    def flush(self) -> None:
        self.server.flush()


@contextmanager
def private_fleet() -> Iterator[Fleet]:
    with tempfile.TemporaryDirectory(prefix="checkfleet-bench-") as tmp:
        server = RedisServer()
        server.start()
        try:
            yield Fleet(server, write_fleet(Path(tmp)))
        finally:
            server.close()


#: Each worker kind has its own queue (key prefix), so both can run side by side.
PREFIXES = {
    "checkfleet": "checkfleet",
    "arq-entry": "arqentry",
    "arq-noop": "arqbase",
    "arq-noop-fast": "arqfast",
}

#: Worker kinds: checkfleet's ``python -m worker`` and ``arq worker.WorkerSettings``, and arq's
#: plain worker with the same settings running a no-op job (``bench/noop_worker.py``), with
#: arq's default 0.5 s poll and, as a second reference, with a 10 ms poll.
WORKER_COMMANDS = {
    "checkfleet": [sys.executable, "-m", "worker"],
    # arq's CLI, running the same checkfleet worker
    "arq-entry": [sys.executable, "-m", "arq", "worker.WorkerSettings"],
    "arq-noop": [sys.executable, str(REPO_ROOT / "bench" / "noop_worker.py")],
    "arq-noop-fast": [sys.executable, str(REPO_ROOT / "bench" / "noop_worker.py")],
}
KIND_ENV = {"arq-noop-fast": {"ARQ_POLL_DELAY_S": "0.01"}}


def worker_environment(fleet: Fleet, kind: str, **env: str) -> dict[str, str]:
    """The environment of a worker process of `kind` on `fleet`, plus `env`."""
    return {**os.environ, **fleet.env(kind), **KIND_ENV.get(kind, {}), **env}


class WorkerProcesses:
    """`count` worker processes of one kind; stopped (SIGTERM, then kill) on exit."""

    def __init__(self, fleet: Fleet, kind: str, count: int, **env: str) -> None:
        self.processes = [
            subprocess.Popen(
                WORKER_COMMANDS[kind],
                cwd=REPO_ROOT,
                env=worker_environment(fleet, kind, **env),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]

    def rss_mb(self) -> list[float]:
        return [_status_mb(process.pid, "VmRSS") for process in self.processes]

    def __enter__(self) -> WorkerProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _status_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def connect_pool(settings: Settings) -> ArqRedis:
    return await connect_arq(settings)


async def wait_for_workers(pool: ArqRedis, settings: Settings, kind: str, count: int) -> None:
    """Until `count` checkfleet workers subscribe to the wake channel, or (raw arq) a health
    check was written and a second passed for the others to start too."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if kind == "checkfleet":  # the others are raw arq workers
            subscribed = await pool.pubsub_numsub(settings.keys.wake)
            if subscribed and subscribed[0][1] >= count:
                return
        elif await pool.exists(settings.keys.health_check):
            await asyncio.sleep(1.0)
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{count} {kind} workers did not start within 60 s")


async def enqueue_noops(pool: ArqRedis, settings: Settings, count: int, prefix: str) -> None:
    """`count` no-op jobs written as arq's `enqueue_job` writes them, pipelined."""
    now_ms = round(time.time() * 1000)
    job = pack_job(NOOP, [], now_ms, serialize_job)
    for start in range(0, count, 1000):
        async with pool.pipeline(transaction=False) as pipe:
            for index in range(start, min(count, start + 1000)):
                job_id = f"{prefix}-{index}"
                pipe.psetex(Keys.arq_job(job_id), JOB_EXPIRY_EXTRA_MS, job)
                pipe.zadd(settings.keys.queue, {job_id: now_ms})
            await pipe.execute()


async def wait_until(pool: ArqRedis, key: str, kind: str, target: int, timeout_s: float) -> None:
    """Until the stream `key` has `target` entries (``kind`` "xlen") or the sorted set is
    empty (``kind`` "drained"); polls every 2 ms, a negligible load next to the workers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if kind == "xlen" and await pool.xlen(key) >= target:
            return
        if kind == "drained" and await pool.zcard(key) == 0:
            return
        await asyncio.sleep(0.002)
    raise TimeoutError(f"{key} did not reach its target within {timeout_s} s")


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()},"
        f" python {platform.python_version()}"
    )


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A markdown table (pastes into the README as is)."""
    print(f"\n### {title}\n")
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for row in cells:
        print("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |")
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
