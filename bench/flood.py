"""Hostile flood: good-run latency while someone floods the queue with poison, against the
same runs on a quiet fleet (the baseline, in the same invocation).

Two ``python -m worker`` processes with the default trust settings. Each good run is the
client API's ``run_once_async`` of the tiny checkpoint by name; in the flood phase, before
each good run, ``--flood`` / ``--runs`` hostile payloads (`tests.support.hostile`: garbage,
pickles, wrong shapes, forged dead letters, deep nesting, refused inline specs) are written
to the queue in one pipeline, so the good runs queue up among them. Every good run must
succeed and every hostile payload must end in one dead letter or one error result, or the
benchmark fails.

    python bench/flood.py [--runs 200] [--flood 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
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
from bench.latency import percentile
from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
from shared.models import CheckpointStatus
from shared.settings import Settings
from tests.support.hostile import flood

WORKERS = 2


async def good_run_latencies_ms(fleet: Fleet, runs: int, hostile: int, sample: int) -> list[float]:
    """Latencies of `runs` sequential good runs, with `hostile` payloads spread before them."""
    settings = fleet.settings()
    pool = await connect_pool(settings)
    runner = AsyncCheckpointRunner(AsyncRunnerConfig(backend="redis"), settings=settings)
    try:
        await wait_for_workers(pool, settings, "checkfleet", WORKERS)
        await runner.start_async()
        per_run, written, latencies = hostile // runs if runs else 0, 0, []
        for index in range(runs):
            if per_run:
                await flood(pool, settings.keys, sample * hostile + written, per_run)
                written += per_run
            started = time.perf_counter()
            result = await runner.run_once_async(CHECKPOINT)
            latencies.append((time.perf_counter() - started) * 1000)
            if result.status is not CheckpointStatus.SUCCESS:
                raise SystemExit(f"good run {index} did not succeed: {result.error}")
        await _check_every_payload_ended(pool, settings, runs, written)
        return latencies
    finally:
        await runner.stop_async()
        await pool.aclose()


async def _check_every_payload_ended(
    pool: object, settings: object, runs: int, hostile: int
) -> None:

    assert isinstance(pool, ArqRedis) and isinstance(settings, Settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ended = await pool.xlen(settings.keys.results) + await pool.xlen(settings.keys.dead)
        if ended >= runs + hostile and not await pool.zcard(settings.keys.queue):
            return
        await asyncio.sleep(0.05)
    raise SystemExit(f"{runs + hostile} outcomes expected, fewer seen: a run was lost")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--flood", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"machine: {machine()}")
    quiet_p50, quiet_p99, flood_p50, flood_p99 = [], [], [], []
    with private_fleet() as fleet, WorkerProcesses(fleet, "checkfleet", WORKERS):
        for sample in range(args.repeat):
            fleet.flush()
            quiet = asyncio.run(good_run_latencies_ms(fleet, args.runs, 0, sample))
            fleet.flush()
            flooded = asyncio.run(good_run_latencies_ms(fleet, args.runs, args.flood, sample))
            quiet_p50.append(percentile(quiet, 0.5))
            quiet_p99.append(percentile(quiet, 0.99))
            flood_p50.append(percentile(flooded, 0.5))
            flood_p99.append(percentile(flooded, 0.99))
            print(
                f"  sample {sample}: quiet p99 {quiet_p99[-1]:.2f} ms, flooded p99"
                f" {flood_p99[-1]:.2f} ms",
                file=sys.stderr,
            )
    rows = [
        ["p50", median(flood_p50), median(quiet_p50), median(flood_p50) / median(quiet_p50)],
        ["p99", median(flood_p99), median(quiet_p99), median(flood_p99) / median(quiet_p99)],
    ]
    print_table(
        f"Good runs during a hostile flood (ms, {args.runs} sequential runs among"
        f" {args.flood:,} hostile payloads, {WORKERS} workers; median of {args.repeat})",
        ["percentile", "flooded ms", "quiet ms", "ratio"],
        rows,
    )
    print(
        "target: flooded p99 < 100 ms and <= 2x the quiet p99; no good run lost,"
        " every payload one outcome"
    )


if __name__ == "__main__":
    main()
