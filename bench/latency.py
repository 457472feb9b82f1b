"""Latency: sequential single runs of the tiny checkpoint against one idle ``python -m worker``,
timed from the client API's ``run_once_async`` call to the result in hand (p50 / p99), with a
started `AsyncCheckpointRunner` on the fleet backend. Baseline in the same invocation: raw arq
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
from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
from shared.models import CheckpointStatus


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def checkfleet_latencies_ms(fleet: Fleet, runs: int) -> list[float]:
    """Each run: the client API's `run_once_async` on a started runner (fleet backend), from
    the call to the result in hand (it comes back on the client's reply stream)."""
    settings = fleet.settings()
    pool = await connect_pool(settings)
    try:
        await wait_for_workers(pool, settings, "checkfleet", 1)
    finally:
        await pool.aclose()
    runner = AsyncCheckpointRunner(AsyncRunnerConfig(backend="redis"), settings=settings)
    await runner.start_async()
    try:
        latencies = []
        for _ in range(runs):
            started = time.perf_counter()
            result = await runner.run_once_async(CHECKPOINT)
            latencies.append((time.perf_counter() - started) * 1000)
            if result.status is CheckpointStatus.ERROR:
                raise SystemExit(f"the benchmark run failed: {result.error}")
        return latencies
    finally:
        await runner.stop_async()


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
                ours = asyncio.run(checkfleet_latencies_ms(fleet, args.runs))
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
    print("checkfleet: run_once_async of a started AsyncCheckpointRunner, backend redis")
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
