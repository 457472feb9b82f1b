"""`make demo` (``checkfleet demo``): the example project on a real fleet, results shown live.

Uses the Redis at CHECKFLEET_REDIS_URL when it is set and answers (under its own key prefix;
the demo's keys, arq's per-job keys of its runs included, are removed afterwards), else starts
a private redis-server (never a Redis that merely answers on localhost); without any, runs the
checkpoints in-process and says so. Starts two workers, a scheduler and the dashboard (its
address is the first thing shown), shows every result as it arrives for `duration_s`, then
stops them all (dashboard and scheduler first, then workers, then Redis).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table
from rich.text import Text

from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
from producer.cli.demo.processes import (
    DemoProcess,
    free_port,
    redis_answers,
    start_dashboard,
    start_redis,
    start_scheduler,
    start_worker,
    stop_all,
)
from producer.cli.example import EXAMPLE_STATUSES, write_example
from producer.cli.render import result_line, status_text
from shared import codec
from shared.definitions import load_checkpoints
from shared.keys import Keys
from shared.models import CheckpointStatus
from shared.redis_connection import CLIENT, connect
from shared.redis_url import redacted
from shared.settings import Settings

#: The key prefix of the demo's fleet: it never touches another fleet's keys.
DEMO_PREFIX = "checkfleet-demo"
#: How often each example checkpoint runs.
DEMO_INTERVAL_S = 2.0
WORKERS = 2
#: How long the demo waits for its fleet's first result before it gives up.
STARTUP_TIMEOUT_S = 30.0


def run_demo(duration_s: float, directory: Path, console: Console, redis_url: str | None) -> int:
    """Run the demo; 0 when results of every status were shown, 1 otherwise."""
    directory.mkdir(parents=True, exist_ok=True)
    log_dir = directory / "logs"
    log_dir.mkdir(exist_ok=True)
    config = write_example(directory, interval_s=DEMO_INTERVAL_S, force=True).config
    dashboard_port = free_port()
    console.print(
        Text.assemble(
            ("checkfleet demo", "bold"),
            ": the dashboard will be at ",
            (f"http://127.0.0.1:{dashboard_port}/", "bold cyan"),
            " while it runs",
        )
    )
    console.print(Text(f"example checkpoints in {config}"))
    for name, status in EXAMPLE_STATUSES.items():
        console.print(f"  {name:<16} should end with ", status_text(CheckpointStatus(status)))
    processes: list[DemoProcess] = []
    url = redis_url or ""
    seen: Counter[str] = Counter()
    shared_redis = False
    try:
        why = f"no Redis answers at {redacted(url)}" if url else "CHECKFLEET_REDIS_URL is unset"
        if redis_url and redis_answers(url):
            shared_redis = True
            console.print(Text(f"using the Redis at {redacted(url)}, key prefix {DEMO_PREFIX!r}"))
        else:
            started = start_redis(log_dir, directory)
            if started is None:
                console.print(
                    Text(
                        f"{why} and no redis-server can be started: running the checkpoints "
                        "in-process instead, on the client API's local backend (no workers, "
                        "no scheduler, no dashboard)",
                        style="yellow",
                    )
                )
                seen = asyncio.run(watch_in_process(config, duration_s, console))
                return summarize(seen, console)
            server, url = started
            processes.append(server)
            console.print(Text(f"{why}: started a private redis-server at {url}"))
        asyncio.run(clear_fleet(url))
        env = {
            "CHECKFLEET_REDIS_URL": url,
            "CHECKFLEET_PREFIX": DEMO_PREFIX,
            "CHECKFLEET_CHECKPOINTS": str(config),
            "CHECKFLEET_GRACEFUL_SHUTDOWN_S": "5",
            "CHECKFLEET_LOG_FORMAT": "text",
        }
        for index in range(1, WORKERS + 1):
            processes.append(start_worker(f"worker-{index}", log_dir, env))
        processes.append(start_scheduler(log_dir, env))
        processes.append(start_dashboard(log_dir, env, dashboard_port))
        console.print(
            Text(f"started {WORKERS} workers, a scheduler and the dashboard; logs in {log_dir}")
        )
        seen = asyncio.run(watch_results(url, duration_s, console, processes))
    finally:
        if processes:
            console.print("stopping the scheduler, the workers and Redis...")
            codes = stop_all(processes)
            console.print(
                Text("stopped: " + ", ".join(f"{n} (exit {c})" for n, c in codes.items()))
            )
            if shared_redis:
                asyncio.run(clear_fleet(url))
    return summarize(seen, console)


async def clear_fleet(url: str) -> None:
    """Remove the demo's keys: its prefix's, and arq's per-job keys (outside any prefix) of
    every run on its results stream or queue. Each demo starts from an empty fleet, and a
    shared Redis keeps nothing of it."""
    keys = Keys(DEMO_PREFIX)
    client: Redis = connect(Settings(redis_url=url), CLIENT)
    try:
        job_ids = {raw.decode() for raw in await client.zrange(keys.queue, 0, -1)}
        for _entry_id, fields in await client.xrange(keys.results):
            job_ids.add(fields.get(b"run_id", b"").decode(errors="replace"))
        names = [name async for name in client.scan_iter(match=f"{DEMO_PREFIX}:*", count=1000)]
        for job_id in job_ids - {""}:
            names += [Keys.arq_job(job_id), Keys.arq_result(job_id), keys.arq_in_progress(job_id)]
        for start in range(0, len(names), 1000):
            await client.delete(*names[start : start + 1000])
        if job_ids:
            await client.zrem(keys.arq_abort, *job_ids)
    finally:
        await client.aclose()


async def watch_results(
    url: str, duration_s: float, console: Console, processes: list[DemoProcess]
) -> Counter[str]:
    """Print each result from the results stream for `duration_s` from the first one (waiting
    at most `STARTUP_TIMEOUT_S` for it)."""
    stream = Keys(DEMO_PREFIX).results
    seen: Counter[str] = Counter()
    client: Redis = connect(Settings(redis_url=url), CLIENT)
    last_id = "0-0"
    reported: set[str] = set()
    # The clock starts at the first result: on a loaded machine the processes take seconds
    # to start, and the demo promises `duration_s` of results, not of waiting.
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    started = False
    try:
        with console.status("waiting for results...") as status:
            while (left_s := deadline - time.monotonic()) > 0:
                for process in processes:
                    if not process.running and process.name not in reported:
                        reported.add(process.name)
                        console.print(
                            Text(f"{process.name} exited; see {process.log_path}", style="red")
                        )
                block_ms = max(1, int(min(left_s, 0.5) * 1000))
                reply = await client.xread({stream: last_id}, count=100, block=block_ms)
                for _stream, entries in reply:
                    for entry_id, fields in entries:
                        last_id = entry_id.decode()
                        result = codec.decode_result(fields[b"result"])
                        seen[result.status.value] += 1
                        if not started:
                            started = True
                            deadline = time.monotonic() + duration_s
                        console.print(result_line(result, run_id=False))
                total = sum(seen.values())
                if started:
                    status.update(f"watching results: {left_s:4.0f} s left, {total} so far")
    finally:
        await client.aclose()
    return seen


async def watch_in_process(config: Path, duration_s: float, console: Console) -> Counter[str]:
    """Without Redis: the client API's in-process backend runs the example checkpoints on
    their triggers, through the same executor as a worker."""
    runner = AsyncCheckpointRunner(
        AsyncRunnerConfig(backend="local", trigger_poll_interval=0.2),
        settings=Settings.from_env({}),
    )
    for checkpoint in load_checkpoints(str(config)):
        runner.add_checkpoint(checkpoint)
    seen: Counter[str] = Counter()
    deadline = time.monotonic() + duration_s
    await runner.start_async()
    try:
        while (left_s := deadline - time.monotonic()) > 0:
            async for result in runner.iter_results_async(timeout=left_s):
                seen[result.status.value] += 1
                console.print(result_line(result, run_id=False))
                if time.monotonic() >= deadline:
                    break
    finally:
        await runner.stop_async()
    return seen


def summarize(seen: Counter[str], console: Console) -> int:
    table = Table(title="results shown")
    table.add_column("status")
    table.add_column("runs", justify="right")
    for status in CheckpointStatus:
        table.add_row(status_text(status), str(seen[status.value]))
    console.print(table)
    missing = [status.value for status in CheckpointStatus if not seen[status.value]]
    if missing:
        console.print(Text(f"no result with status {', '.join(missing)} was shown", style="red"))
        return 1
    console.print(Text("every status was shown", style="green"))
    return 0
