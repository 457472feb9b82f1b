"""Enqueue rate from one client: `enqueue_run` one awaited call at a time, and `enqueue_runs`
batched (one script call per 1,000 runs). Baseline in the same invocation: arq's own
``enqueue_job``, one awaited call at a time. No worker runs: only the enqueue is timed.

    python bench/enqueue.py [--runs 20000] [--single-runs 3000] [--repeat 3]
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
    connect_pool,
    machine,
    median,
    print_table,
    private_fleet,
)
from shared.enqueue import enqueue_run, enqueue_runs, job_payload
from shared.job import RunRequest
from shared.job_names import RUN_CHECKPOINT


def requests_for(prefix: str, count: int) -> list[RunRequest]:
    return [RunRequest(checkpoint=CHECKPOINT, run_id=f"{prefix}-{i}") for i in range(count)]


async def rate(fleet: Fleet, mode: str, count: int, sample: int) -> float:
    """Requests per second of one sample; building the requests is included."""
    settings = fleet.settings()
    pool = await connect_pool(settings)
    try:
        await pool.flushdb()
        started = time.perf_counter()
        requests = requests_for(f"{mode}{sample}", count)
        if mode == "batched":
            jobs = await enqueue_runs(pool, settings.keys, requests)
        elif mode == "single":
            jobs = [await enqueue_run(pool, settings.keys, request) for request in requests]
        else:  # arq's own enqueue_job, the same job
            jobs = [
                await pool.enqueue_job(
                    RUN_CHECKPOINT,
                    job_payload(request),
                    _job_id=request.run_id,
                    _queue_name=settings.keys.queue,
                )
                for request in requests
            ]
        elapsed = time.perf_counter() - started
        assert all(job is not None for job in jobs)
        assert await pool.zcard(settings.keys.queue) == count
        return count / elapsed
    finally:
        await pool.aclose()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000, help="runs per batched sample")
    parser.add_argument("--single-runs", type=int, default=3_000, help="runs per single sample")
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"machine: {machine()}")
    samples: dict[str, list[float]] = {"arq": [], "single": [], "batched": []}
    with private_fleet() as fleet:
        for sample in range(args.repeat):
            for mode in samples:
                count = args.runs if mode == "batched" else args.single_runs
                samples[mode].append(asyncio.run(rate(fleet, mode, count, sample)))
    raw = median(samples["arq"])
    print_table(
        f"Enqueue rate from one client (requests/s, median of {args.repeat})",
        ["mode", "checkfleet req/s", "raw arq enqueue_job req/s", "ratio"],
        [
            ["single (enqueue_run, awaited one by one)", median(samples["single"]), raw,
             median(samples["single"]) / raw],
            ["batched (enqueue_runs, 1,000 per call)", median(samples["batched"]), raw,
             median(samples["batched"]) / raw],
        ],
    )  # fmt: skip
    print("target: >= 20,000 requests/s batched")


if __name__ == "__main__":
    main()
