"""Where a worker's time goes: one ``python -m worker`` under cProfile drains N runs of the
tiny checkpoint, then stops (SIGTERM, so the profile is written); prints the functions with the
most own time and the worker's CPU time per run. A diagnosis tool, not a benchmark: cProfile
slows the worker down, so compare shares, not speeds.

    python bench/profile_worker.py [--runs 3000] [--top 40] [--sort tottime|cumulative]
        [--save PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    CHECKPOINT,
    REPO_ROOT,
    Fleet,
    connect_pool,
    private_fleet,
    wait_for_workers,
    wait_until,
    worker_environment,
)
from shared.enqueue import enqueue_runs
from shared.job import RunRequest


async def drain(fleet: Fleet, runs: int) -> float:
    """Enqueue `runs` at once; seconds until the last result is on the stream."""
    settings = fleet.settings()
    pool = await connect_pool(settings)
    try:
        await wait_for_workers(pool, settings, "checkfleet", 1)
        requests = [RunRequest(checkpoint=CHECKPOINT, run_id=f"p-{i}") for i in range(runs)]
        started = time.perf_counter()
        await enqueue_runs(pool, settings.keys, requests)
        await wait_until(pool, settings.keys.results, "xlen", runs, timeout_s=600)
        return time.perf_counter() - started
    finally:
        await pool.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--save", type=Path, help="also keep the profile here (for pstats)")
    args = parser.parse_args()
    with private_fleet() as fleet, tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "worker.prof"
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "worker"]
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=worker_environment(fleet, "checkfleet"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            seconds = asyncio.run(drain(fleet, args.runs))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        if args.save is not None:
            args.save.write_bytes(profile.read_bytes())
        stats = pstats.Stats(str(profile), stream=(out := io.StringIO()))
        stats.sort_stats(args.sort).print_stats(args.top)
        total_s = stats.total_tt  # type: ignore[attr-defined]
        print(
            f"{args.runs} runs in {seconds:.2f} s under cProfile;"
            f" profiled worker time {total_s:.2f} s = {total_s / args.runs * 1000:.2f} ms/run"
        )
        print(out.getvalue())


if __name__ == "__main__":
    main()
