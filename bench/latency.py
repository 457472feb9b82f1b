"""Latency: sequential single runs of the tiny checkpoint against one idle ``python -m worker``,
timed from the enqueue call to the result in hand (p50 / p99). The client API
(``producer.async_runner``) is not merged yet, so a run is `shared.enqueue.enqueue_run` plus a
blocking XREAD on the results stream for its entry. Baseline in the same invocation: raw arq
with default settings, ``enqueue_job`` + ``job.result()`` of a no-op job on arq's own worker.

Also the idle load: Redis commands per second per idle worker (INFO commandstats deltas over a
quiet window), for checkfleet's waking worker and arq's plain one.

    python bench/latency.py [--runs 500] [--baseline-runs 40] [--repeat 3] [--idle-s 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arq.connections import ArqRedis

from bench.harness import (
    CHECKPOINT,
    Fleet,
    WorkerProcesses,
    connect_pool,
    machine,
    median,
    print_table,
    private_fleet,
    wait_for_workers,
)
from bench.noop_worker import NOOP
from shared.enqueue import enqueue_run
from shared.job import RunRequest
from shared.settings import Settings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run_and_wait(pool: ArqRedis, settings: Settings, run_id: str, last_id: bytes) -> bytes:
    """Enqueue one run and block on the results stream until its entry; the entry id."""
    await enqueue_run(pool, settings.keys, RunRequest(checkpoint=CHECKPOINT, run_id=run_id))
    wanted = run_id.encode()
    while True:
        answer = await pool.xread({settings.keys.results: last_id}, block=10_000)
        if not answer:
            raise TimeoutError(f"no result for {run_id} within 10 s")
        for entry_id, fields in answer[0][1]:
            last_id = entry_id
            if fields[b"run_id"] == wanted:
                return last_id


async def checkfleet_latencies_ms(fleet: Fleet, runs: int, sample: int) -> list[float]:
    settings = fleet.settings()
    pool = await connect_pool(settings)
    try:
        await wait_for_workers(pool, settings, "checkfleet", 1)
        last_id = b"0-0"  # read only entries newer than what is there now
        if await pool.exists(settings.keys.results):
            last_id = (await pool.xinfo_stream(settings.keys.results))["last-generated-id"]
        latencies = []
        for index in range(runs):
            started = time.perf_counter()
            last_id = await run_and_wait(pool, settings, f"l{sample}-{index}", last_id)
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        await pool.aclose()


async def arq_latencies_ms(fleet: Fleet, runs: int, sample: int) -> list[float]:
    settings = fleet.settings("arq-noop")
    pool = await connect_pool(settings)
    try:
        await wait_for_workers(pool, settings, "arq-noop", 1)
        latencies = []
        for index in range(runs):
            started = time.perf_counter()
            job = await pool.enqueue_job(NOOP, _job_id=f"a{sample}-{index}")
            assert job is not None
            await job.result()  # arq's default: polls the result every 0.5 s
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        await pool.aclose()


async def idle_commands_per_s(fleet: Fleet, window_s: float) -> float:
    """Redis commands/s over `window_s`, not counting this probe's own INFO calls."""
    settings = fleet.settings()
    pool = await connect_pool(settings)
    try:
        before = await pool.info("commandstats")
        await asyncio.sleep(window_s)
        after = await pool.info("commandstats")
    finally:
        await pool.aclose()

    def total(stats: dict[str, dict[str, int]]) -> int:
        return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")

    return (total(after) - total(before)) / window_s


def measure_idle(fleet: Fleet, kind: str, workers: int, window_s: float) -> float:
    """Commands/s per idle worker of `kind`, `workers` of them running, after start-up."""
    with WorkerProcesses(fleet, kind, workers):
        settings = fleet.settings(kind)

        async def settle() -> None:
            pool = await connect_pool(settings)
            try:
                await wait_for_workers(pool, settings, kind, workers)
            finally:
                await pool.aclose()

        asyncio.run(settle())
        time.sleep(1.0)
        return asyncio.run(idle_commands_per_s(fleet, window_s)) / workers


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--baseline-runs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idle-s", type=float, default=5.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"machine: {machine()}")
    ours_p50, ours_p99, raw_p50, raw_p99 = [], [], [], []
    with private_fleet() as fleet:
        with WorkerProcesses(fleet, "checkfleet", 1), WorkerProcesses(fleet, "arq-noop", 1):
            for sample in range(args.repeat):
                ours = asyncio.run(checkfleet_latencies_ms(fleet, args.runs, sample))
                raw = asyncio.run(arq_latencies_ms(fleet, args.baseline_runs, sample))
                ours_p50.append(percentile(ours, 0.5))
                ours_p99.append(percentile(ours, 0.99))
                raw_p50.append(percentile(raw, 0.5))
                raw_p99.append(percentile(raw, 0.99))
                print(
                    f"  sample {sample}: checkfleet p50 {ours_p50[-1]:.2f} ms p99"
                    f" {ours_p99[-1]:.2f} ms (mean {statistics.fmean(ours):.2f}); raw arq p50"
                    f" {raw_p50[-1]:.0f} ms",
                    file=sys.stderr,
                )
        idle = {
            kind: measure_idle(fleet, kind, 2, args.idle_s)
            for kind in ("checkfleet", "arq-noop", "arq-noop-fast")
        }
    rows = [
        ["p50", median(ours_p50), median(raw_p50), median(ours_p50) / median(raw_p50)],
        ["p99", median(ours_p99), median(raw_p99), median(ours_p99) / median(raw_p99)],
    ]
    print_table(
        f"Latency (ms, {args.runs} sequential runs; raw arq: {args.baseline_runs} jobs; median"
        f" of {args.repeat})",
        ["percentile", "checkfleet ms", "raw arq default ms", "ratio"],
        rows,
    )
    print("target: p50 <= 10 ms, p99 <= 50 ms")
    print("checkfleet latency = enqueue_run + XREAD BLOCK on the results stream (no client API)")
    print_table(
        f"Idle load (Redis commands/s per idle worker, 2 workers, {args.idle_s:g} s window)",
        ["worker", "commands/s", "ratio to raw arq (poll 0.5 s)"],
        [
            [label, idle[kind], idle[kind] / idle["arq-noop"]]
            for label, kind in (
                ("checkfleet (woken; idle poll 1 s)", "checkfleet"),
                ("raw arq (poll 0.5 s)", "arq-noop"),
                ("raw arq (poll 10 ms)", "arq-noop-fast"),
            )
        ],
    )


if __name__ == "__main__":
    main()
