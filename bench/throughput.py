"""Throughput: N runs of the tiny checkpoint enqueued at once (batched), drained by 1 and by 2
``python -m worker`` processes, timed from the first enqueue to the N-th result on the results
stream. Baseline, in the same invocation: N raw arq no-op jobs drained by arq's own worker with
the same settings (``bench/noop_worker.py``), timed until its queue is empty.

    python bench/throughput.py [--runs 10000] [--repeat 3] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    CHECKPOINT,
    Fleet,
    WorkerProcesses,
    connect_pool,
    enqueue_noops,
    machine,
    median,
    print_table,
    private_fleet,
    wait_for_workers,
    wait_until,
)
from shared.enqueue import enqueue_runs
from shared.job import RunRequest

#: runs/s by (kind, worker count): every sample of one invocation.
Rates = dict[tuple[str, int], list[float]]


async def drain_once(fleet: Fleet, kind: str, runs: int, sample: int) -> float:
    """Runs per second of one sample: enqueue `runs`, wait until all are done."""
    settings = fleet.settings(kind)
    pool = await connect_pool(settings)
    try:
        await pool.flushdb()  # the previous sample's results and markers
        started = time.perf_counter()
        if kind == "checkfleet":
            requests = [
                RunRequest(checkpoint=CHECKPOINT, run_id=f"t{sample}-{index}")
                for index in range(runs)
            ]
            await enqueue_runs(pool, settings.keys, requests)
            await wait_until(pool, settings.keys.results, "xlen", runs, timeout_s=600)
        else:
            await enqueue_noops(pool, settings, runs, prefix=f"n{sample}")
            await wait_until(pool, settings.keys.queue, "drained", runs, timeout_s=600)
        return runs / (time.perf_counter() - started)
    finally:
        await pool.aclose()


async def ready(fleet: Fleet, kind: str, count: int) -> None:
    settings = fleet.settings(kind)
    pool = await connect_pool(settings)
    try:
        await wait_for_workers(pool, settings, kind, count)
    finally:
        await pool.aclose()


def measure(
    fleet: Fleet, *, runs: int, repeat: int, worker_counts: list[int], kinds: list[str]
) -> Rates:
    """Samples alternate between kinds per worker count so drift hits both alike."""
    rates: Rates = {}
    sample = 0
    for count in worker_counts:
        for kind in kinds:
            rates[(kind, count)] = []
        groups = {kind: WorkerProcesses(fleet, kind, count) for kind in kinds}
        try:
            for kind in kinds:
                asyncio.run(ready(fleet, kind, count))
            # Workers of both kinds are up; only the kind being measured has jobs of its own
            # function, the other's workers stay idle (and poll).
            for _ in range(repeat):
                for kind in kinds:
                    sample += 1
                    rate = asyncio.run(drain_once(fleet, kind, runs, sample))
                    rates[(kind, count)].append(rate)
                    print(f"  {kind} x{count}: {rate:,.0f} runs/s", file=sys.stderr)
        finally:
            for group in groups.values():
                group.__exit__()
    return rates


KINDS = ["checkfleet", "arq-noop", "arq-noop-fast"]


def print_throughput(rates: Rates, runs: int, worker_counts: list[int]) -> None:
    rows = []
    for count in worker_counts:
        ours = median(rates[("checkfleet", count)])
        raw = median(rates[("arq-noop", count)])
        fast = median(rates[("arq-noop-fast", count)])
        rows.append([count, f"{runs:,}", ours, raw, ours / raw, fast, ours / fast])
    print_table(
        "Throughput (runs/s, end to end, median)",
        ["workers", "runs", "checkfleet runs/s", "raw arq no-op jobs/s", "ratio",
         "raw arq no-op, 10 ms poll", "ratio"],
        rows,
    )  # fmt: skip
    print("target: ratio >= 0.7 to raw arq no-op jobs at a 10 ms poll, same worker count")


def print_scale(rates: Rates) -> None:
    rows = []
    for kind in KINDS:
        one, two = median(rates[(kind, 1)]), median(rates[(kind, 2)])
        rows.append([kind, one, two, two / one, two / (2 * one)])
    print_table(
        "Scale (runs/s with 1 and 2 worker processes, median)",
        ["worker", "1 process", "2 processes", "speed-up", "efficiency of the 2nd"],
        rows,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> Rates:
    args = parse_args(argv)
    counts = [int(part) for part in args.workers.split(",")]
    print(f"machine: {machine()}")
    with private_fleet() as fleet:
        rates = measure(
            fleet,
            runs=args.runs,
            repeat=args.repeat,
            worker_counts=counts,
            kinds=KINDS,
        )
    print_throughput(rates, args.runs, counts)
    if 1 in counts and 2 in counts:
        print_scale(rates)
    return rates


if __name__ == "__main__":
    main()
