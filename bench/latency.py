"""Latency: sequential single runs of the tiny checkpoint against one idle worker, timed from
the client API's ``run_once_async`` call to the result in hand (p50 / p99), with a started
`AsyncCheckpointRunner` on the fleet backend; for each entry point: ``python -m worker`` and
arq's CLI, ``arq worker.WorkerSettings`` (which runs the same worker). Baseline in the same
invocation: raw arq with default settings, ``enqueue_job`` + ``job.result()`` of a no-op job on
arq's own worker.

Also the idle load: Redis commands per second per idle worker (INFO commandstats deltas over a
quiet window), for both entry points, arq's plain worker (0.5 s and 10 ms poll), and the poll /
wake trade-off: ``arq worker.WorkerSettings`` at several ``CHECKFLEET_IDLE_POLL_S``.

    python bench/latency.py [--runs 500] [--baseline-runs 40] [--repeat 3] [--idle-s 5]
                            [--idle-polls 0.25,1,4]
"""

from __future__ import annotations

import argparse
import asyncio
import random
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
from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig, run_checkpoint_async
from shared.enqueue import job_payload
from shared.job import RunRequest
from shared.job_names import RUN_CHECKPOINT
from shared.models import CheckpointStatus

#: ``arq worker.WorkerSettings``: arq's CLI, running checkfleet's worker (its own queue).
ARQ_ENTRY = "arq-entry"
#: The seed's one-shot ``run_checkpoint_async``, no runner started (`python -m worker`).
ONE_SHOT = "one-shot"
#: The checkfleet worker kinds (both entry points), with the label of each.
ENTRIES = {"checkfleet": "python -m worker", ARQ_ENTRY: "arq worker.WorkerSettings"}
#: Every measured way of running, with its label.
LABELS = {**ENTRIES, ONE_SHOT: "run_checkpoint_async, no started runner"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def checkfleet_latencies_ms(fleet: Fleet, runs: int, kind: str) -> list[float]:
    """Each run: the client API's `run_once_async` on a started runner (fleet backend), from
    the call to the result in hand (it comes back on the client's reply stream), against the
    worker of `kind` (an entry point: its own queue)."""
    settings = fleet.settings(kind)
    pool = await connect_pool(settings)
    try:
        await wait_for_workers(pool, settings, "checkfleet", 1)  # subscribed to its wakes
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


async def one_shot_latencies_ms(fleet: Fleet, runs: int) -> list[float]:
    """Each run: the seed's ``run_checkpoint_async`` with no runner started, called again and
    again on one event loop (which shares one connection and reply stream between calls)."""
    settings = fleet.settings()
    latencies = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await run_checkpoint_async(CHECKPOINT, backend="redis", settings=settings)
        latencies.append((time.perf_counter() - started) * 1000)
        if result.status is CheckpointStatus.ERROR:
            raise SystemExit(f"the benchmark run failed: {result.error}")
    return latencies


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
        settle(fleet, kind, workers)
        return asyncio.run(idle_commands_per_s(fleet, window_s)) / workers


def settle(fleet: Fleet, kind: str, workers: int) -> None:
    """Until `workers` workers of `kind` run, and a second more."""
    settings = fleet.settings(kind)

    async def started() -> None:
        pool = await connect_pool(settings)
        try:
            await wait_for_workers(pool, settings, kind, workers)
        finally:
            await pool.aclose()

    asyncio.run(started())
    time.sleep(1.0)


async def unwoken_latencies_ms(fleet: Fleet, runs: int, poll_s: float) -> list[float]:
    """Runs enqueued with arq's own `enqueue_job`, which publishes no wake (what a plain arq
    client or a lost wake gets), at random moments: each waits for the next idle poll."""
    settings = fleet.settings(ARQ_ENTRY)
    pool = await connect_pool(settings)
    try:
        latencies = []
        for index in range(runs):
            await asyncio.sleep(random.uniform(0, poll_s))
            run_id = f"unwoken-{poll_s:g}-{index}"
            payload = job_payload(RunRequest(checkpoint=CHECKPOINT, run_id=run_id))
            started = time.perf_counter()
            job = await pool.enqueue_job(RUN_CHECKPOINT, payload, _job_id=run_id)
            assert job is not None
            await job.result(poll_delay=0.002)
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        await pool.aclose()


def measure_poll(fleet: Fleet, poll_s: float, window_s: float, runs: int) -> list[float]:
    """For 2 ``arq worker.WorkerSettings`` workers at ``CHECKFLEET_IDLE_POLL_S`` `poll_s`:
    idle commands/s per worker, then p50 and p99 of runs that no wake announced."""
    with WorkerProcesses(fleet, ARQ_ENTRY, 2, CHECKFLEET_IDLE_POLL_S=str(poll_s)):
        settle(fleet, ARQ_ENTRY, 2)
        idle = asyncio.run(idle_commands_per_s(fleet, window_s)) / 2
        unwoken = asyncio.run(unwoken_latencies_ms(fleet, runs, poll_s))
    return [idle, percentile(unwoken, 0.5), percentile(unwoken, 0.99)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--baseline-runs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idle-s", type=float, default=5.0)
    parser.add_argument("--unwoken-runs", type=int, default=20)
    parser.add_argument(
        "--idle-polls",
        default="0.25,1,4",
        help="CHECKFLEET_IDLE_POLL_S values of the poll / wake trade-off table",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"machine: {machine()}")
    p50: dict[str, list[float]] = {kind: [] for kind in [*ENTRIES, ONE_SHOT, "arq-noop"]}
    p99: dict[str, list[float]] = {kind: [] for kind in p50}
    with private_fleet() as fleet:
        with (
            WorkerProcesses(fleet, "checkfleet", 1),
            WorkerProcesses(fleet, ARQ_ENTRY, 1),
            WorkerProcesses(fleet, "arq-noop", 1),
        ):
            for sample in range(args.repeat):
                for kind in ENTRIES:
                    ours = asyncio.run(checkfleet_latencies_ms(fleet, args.runs, kind))
                    p50[kind].append(percentile(ours, 0.5))
                    p99[kind].append(percentile(ours, 0.99))
                one_shot = asyncio.run(one_shot_latencies_ms(fleet, args.runs))
                p50[ONE_SHOT].append(percentile(one_shot, 0.5))
                p99[ONE_SHOT].append(percentile(one_shot, 0.99))
                raw = asyncio.run(arq_latencies_ms(fleet, args.baseline_runs, sample))
                p50["arq-noop"].append(percentile(raw, 0.5))
                p99["arq-noop"].append(percentile(raw, 0.99))
                print(
                    f"  sample {sample}: "
                    + "; ".join(
                        f"{LABELS.get(kind, 'raw arq')} p50 {p50[kind][-1]:.2f} ms"
                        f" p99 {p99[kind][-1]:.2f} ms"
                        for kind in p50
                    ),
                    file=sys.stderr,
                )
        idle = {
            kind: measure_idle(fleet, kind, 2, args.idle_s)
            for kind in (*ENTRIES, "arq-noop", "arq-noop-fast")
        }
        polls = [float(value) for value in args.idle_polls.split(",") if value]
        trade_off = {
            poll: measure_poll(fleet, poll, args.idle_s, args.unwoken_runs) for poll in polls
        }
    raw_p50, raw_p99 = median(p50["arq-noop"]), median(p99["arq-noop"])
    rows = []
    for kind, label in LABELS.items():
        rows.append([f"{label} p50", median(p50[kind]), raw_p50, median(p50[kind]) / raw_p50])
        rows.append([f"{label} p99", median(p99[kind]), raw_p99, median(p99[kind]) / raw_p99])
    print_table(
        f"Latency (ms, {args.runs} sequential runs; raw arq: {args.baseline_runs} jobs; median"
        f" of {args.repeat})",
        ["entry point, percentile", "checkfleet ms", "raw arq default ms", "ratio"],
        rows,
    )
    print("target: python -m worker p50 <= 10 ms, p99 <= 50 ms; one-shot p50 <= 5 ms;")
    print("        arq worker.WorkerSettings p50 <= 50 ms, p99 <= 100 ms, <= 25 idle commands/s")
    print("checkfleet: run_once_async of a started AsyncCheckpointRunner, backend redis")
    print_table(
        f"Idle load (Redis commands/s per idle worker, 2 workers, {args.idle_s:g} s window)",
        ["worker", "commands/s", "ratio to raw arq (poll 0.5 s)"],
        [
            [label, idle[kind], idle[kind] / idle["arq-noop"]]
            for label, kind in (
                ("python -m worker (woken; idle poll 1 s)", "checkfleet"),
                ("arq worker.WorkerSettings (woken; idle poll 1 s)", ARQ_ENTRY),
                ("raw arq (poll 0.5 s)", "arq-noop"),
                ("raw arq (poll 10 ms)", "arq-noop-fast"),
            )
        ],
    )
    print_table(
        f"Poll / wake trade-off (arq worker.WorkerSettings, 2 workers; unwoken: {args.unwoken_runs}"
        " runs by arq's enqueue_job, no wake)",
        [
            "CHECKFLEET_IDLE_POLL_S",
            "idle commands/s per worker",
            "unwoken p50 ms",
            "unwoken p99 ms",
        ],
        [[f"{poll:g} s", *trade_off[poll]] for poll in polls],
    )
    print("a woken run (enqueue_run, the client API, the scheduler) starts at once whatever the")
    print("idle poll; the poll bounds runs no wake announced, deferred jobs and aborts")


if __name__ == "__main__":
    main()
