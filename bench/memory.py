"""Memory: one ``python -m worker`` process's RSS after 10,000 runs of the tiny checkpoint and
after 100,000 (the baseline is the first figure: the ratio should stay within 1.1), and what
Redis holds afterwards: the results stream stays near ``CHECKFLEET_RESULTS_MAXLEN`` (set low
here, so the cap shows) and every per-run key carries an expiry, so Redis memory is bounded by
MAXLEN plus the runs of one ``CHECKFLEET_RESULT_TTL_S`` window.

    python bench/memory.py [--warm-runs 10000] [--runs 100000] [--maxlen 2000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
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
from shared.enqueue import enqueue_runs
from shared.job import RunRequest
from shared.settings import Settings


async def run_batch(settings: Settings, first: int, count: int, prefix: str) -> None:
    """Enqueue `count` runs and wait until the worker has taken them all and published."""
    pool = await connect_pool(settings)
    try:
        await wait_for_workers(pool, settings, "checkfleet", 1)
        requests = [
            RunRequest(checkpoint=CHECKPOINT, run_id=f"{prefix}-{index}")
            for index in range(first, first + count)
        ]
        await enqueue_runs(pool, settings.keys, requests)
        last = requests[-1].run_id or ""
        while await pool.zcard(settings.keys.queue) or not await pool.exists(  # noqa: ASYNC110
            settings.keys.run_result(last)
        ):
            await asyncio.sleep(0.01)
    finally:
        await pool.aclose()


async def redis_figures(settings: Settings) -> dict[str, float]:
    pool = await connect_pool(settings)
    try:
        memory = await pool.info("memory")
        keys = [key async for key in pool.scan_iter(count=1000)]
        async with pool.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.pttl(key)
            ttls = await pipe.execute()
        lasting = [key.decode() for key, ttl in zip(keys, ttls, strict=True) if ttl < 0]
        return {
            "used_mb": memory["used_memory"] / 2**20,
            "stream": await pool.xlen(settings.keys.results),
            "keys": len(keys),
            "without_ttl": len(lasting),
            "lasting": ", ".join(sorted(lasting)),  # type: ignore[dict-item]
        }
    finally:
        await pool.aclose()


def sample(fleet: Fleet, warm_runs: int, runs: int, maxlen: int, index: int) -> tuple:
    fleet.flush()
    settings = fleet.settings(CHECKFLEET_RESULTS_MAXLEN=str(maxlen))
    with WorkerProcesses(fleet, "checkfleet", 1, CHECKFLEET_RESULTS_MAXLEN=str(maxlen)) as w:
        asyncio.run(run_batch(settings, 0, warm_runs, f"m{index}"))
        warm_mb = w.rss_mb()[0]
        warm_redis = asyncio.run(redis_figures(settings))
        asyncio.run(run_batch(settings, warm_runs, runs - warm_runs, f"m{index}"))
        end_mb = w.rss_mb()[0]
        end_redis = asyncio.run(redis_figures(settings))
    return warm_mb, end_mb, warm_redis, end_redis


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--maxlen", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"machine: {machine()}")
    samples = []
    with private_fleet() as fleet:
        for index in range(args.repeat):
            samples.append(sample(fleet, args.warm_runs, args.runs, args.maxlen, index))
            warm, end = samples[-1][0], samples[-1][1]
            print(f"  sample {index}: RSS {warm:.1f} -> {end:.1f} MB", file=sys.stderr)
    warm_mb = median([s[0] for s in samples])
    end_mb = median([s[1] for s in samples])
    warm_redis, end_redis = samples[-1][2], samples[-1][3]
    print_table(
        f"Memory (median of {args.repeat}; Redis figures of the last sample)",
        ["figure", f"after {args.warm_runs:,} runs", f"after {args.runs:,} runs", "ratio"],
        [
            ["worker RSS MB", warm_mb, end_mb, end_mb / warm_mb],
            ["Redis used_memory MB", warm_redis["used_mb"], end_redis["used_mb"],
             end_redis["used_mb"] / warm_redis["used_mb"]],
            [f"results stream entries (MAXLEN ~{args.maxlen:,})", int(warm_redis["stream"]),
             int(end_redis["stream"]), end_redis["stream"] / warm_redis["stream"]],
            ["Redis keys", int(warm_redis["keys"]), int(end_redis["keys"]),
             end_redis["keys"] / warm_redis["keys"]],
            ["keys without expiry", int(warm_redis["without_ttl"]),
             int(end_redis["without_ttl"]), "-"],
        ],
    )  # fmt: skip
    print(f"keys without expiry at the end: {end_redis['lasting']}")
    print(
        f"target: worker RSS after {args.runs:,} runs within 10% of its RSS after"
        f" {args.warm_runs:,}"
    )


if __name__ == "__main__":
    main()
