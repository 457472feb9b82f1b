"""The results store under load: archive throughput into PostgreSQL (and SQLite), and the
latency of history queries over a store holding many runs (1M at full size).

    python bench/history.py [--results 20000] [--stored-runs 1000000] [--repeat 3]

Archive: `--results` results are put on a private Redis's results stream, then one in-process
`ResultArchiver` drains them into the store (batches of 500); the baseline, in the same
process, is the store's own `record` of the same results in the same batches, with no stream.
History: `--stored-runs` runs (100 checkpoints, mixed statuses, one minute apart) are loaded by
SQL into PostgreSQL, then each query of `checkfleet history` / the dashboard is timed
(median of `--repeat` x 20 calls), against a primary-key lookup (`get_run`) as baseline.
Private servers only: a redis-server and a PostgreSQL cluster on free ports.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redis.asyncio import Redis

from bench.harness import machine, print_table
from producer.client.archive import ArchiveOptions, ResultArchiver
from shared import codec
from shared.models import CheckpointResult, CheckpointStatus
from shared.settings import Settings
from shared.store import FigureQuery, RunQuery, open_store
from tests.support.history import START, issue, run_at
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer

BATCH = 500
CHECKPOINTS = 100


def results(count: int) -> list[CheckpointResult]:
    statuses = [CheckpointStatus.SUCCESS] * 7 + [CheckpointStatus.WARNING, CheckpointStatus.FAILURE]
    return [
        run_at(
            index,
            name=f"cp{index % CHECKPOINTS:03d}",
            status=statuses[index % len(statuses)],
            issues=[issue()] if index % 3 == 0 else [],
        )
        for index in range(count)
    ]


async def archive_rate(store_url: str, redis_url: str, count: int) -> tuple[float, float]:
    """(archived results/s, the store's own record results/s) for `count` results."""
    settings = Settings.from_env(
        {"CHECKFLEET_REDIS_URL": redis_url, "CHECKFLEET_PREFIX": f"b{time.time_ns()}"}
    )
    batch = results(count)
    redis: Redis = Redis.from_url(redis_url)
    async with redis.pipeline(transaction=False) as pipe:
        for result in batch:
            pipe.xadd(
                settings.keys.results,
                {"run_id": result.run_id, "result": codec.encode_result(result)},
            )
        await pipe.execute()
    async with open_store(store_url) as store:
        archiver = ResultArchiver(
            redis,
            store,
            settings,
            ArchiveOptions(consumer="bench", batch_size=BATCH, flush_interval_s=0.01),
        )
        started = time.perf_counter()
        while await archiver.archive_once():
            pass
        archived_s = time.perf_counter() - started
        assert await store.count_runs() == count
    await redis.aclose()
    fresh = [result.model_copy(update={"run_id": f"again-{result.run_id}"}) for result in batch]
    async with open_store(store_url) as store:
        started = time.perf_counter()
        for index in range(0, count, BATCH):
            await store.record(fresh[index : index + BATCH])
        recorded_s = time.perf_counter() - started
    return count / archived_s, count / recorded_s


LOAD_SQL = """
INSERT INTO runs (run_id, checkpoint, data_asset, status, run_time, row_count, duration_ms,
                  issue_count, result)
SELECT 'bulk-' || i, 'cp' || lpad((i % {checkpoints})::text, 3, '0'), 'orders.csv',
       (ARRAY['success','success','success','success','success','success','success','warning',
              'failure','error'])[(i % 10) + 1],
       $1::timestamptz + make_interval(mins => i), 1000 + (i % 50), 12.5, (i % 3 = 0)::int,
       jsonb_build_object('run_id', 'bulk-' || i,
                          'checkpoint_name', 'cp' || lpad((i % {checkpoints})::text, 3, '0'),
                          'run_time', to_char(($1::timestamptz + make_interval(mins => i))
                                              AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                          'status', (ARRAY['success','success','success','success',
                                     'success','success','success','warning','failure',
                                     'error'])[(i % 10) + 1],
                          'data_asset', 'orders.csv', 'row_count', 1000 + (i % 50),
                          'statistics', jsonb_build_object('row_count', 1000 + (i % 50)))
FROM generate_series(1, $2) AS i
"""
FIGURES_SQL = """
INSERT INTO figures (run_id, checkpoint, data_asset, validator, column_name, metric, value,
                     run_time)
SELECT run_id, checkpoint, data_asset, 'run', '', 'row_count', row_count, run_time FROM runs
"""


async def load_runs(url: str, count: int) -> float:
    import asyncpg

    started = time.perf_counter()
    async with open_store(url):  # migrations
        pass
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(LOAD_SQL.format(checkpoints=CHECKPOINTS), START, count)
        await connection.execute(FIGURES_SQL)
        await connection.execute("ANALYZE runs; ANALYZE figures")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def latency_ms(call: Callable[[], Awaitable[object]], calls: int) -> float:
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def history_latencies(url: str, count: int, repeat: int) -> list[tuple[str, float]]:
    async with open_store(url) as store:
        assert await store.count_runs() >= count
        middle = START + timedelta(minutes=count // 2)
        queries: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("get_run (baseline)", lambda: store.get_run(f"bulk-{count // 2}")),
            ("history, newest 20", lambda: store.runs(RunQuery(limit=20))),
            ("history NAME, newest 20", lambda: store.runs(RunQuery(checkpoint="cp042", limit=20))),
            (
                "history --status failure --since",
                lambda: store.runs(
                    RunQuery(statuses=(CheckpointStatus.FAILURE,), since=middle, limit=20)
                ),
            ),
            (
                "previous run (diff, baselines)",
                lambda: store.runs(RunQuery(checkpoint="cp042", before=middle, limit=1)),
            ),
            ("figures, latest 30 runs", lambda: store.figures(FigureQuery("cp042", runs=30))),
            ("latest per checkpoint (100)", lambda: store.latest()),
        ]
        rows = []
        for name, call in queries:
            await call()  # warm
            rows.append(
                (name, statistics.median([await latency_ms(call, 20) for _ in range(repeat)]))
            )
        return rows


async def main_async(args: argparse.Namespace) -> None:
    print(machine())
    with tempfile.TemporaryDirectory(prefix="checkfleet-bench-history-") as tmp:
        redis_server = RedisServer()
        postgres = PostgresServer()
        redis_server.start()
        postgres.start()
        try:
            rows = []
            for kind in ("postgresql", "sqlite"):
                samples = []
                for attempt in range(args.repeat):
                    url = (
                        postgres.url(postgres.create_database())
                        if kind == "postgresql"
                        else f"sqlite:///{Path(tmp) / f'archive-{attempt}.db'}"
                    )
                    samples.append(await archive_rate(url, redis_server.url, args.results))
                archived = statistics.median(s[0] for s in samples)
                recorded = statistics.median(s[1] for s in samples)
                rows.append(
                    (
                        kind,
                        args.results,
                        f"{archived:,.0f}",
                        f"{recorded:,.0f}",
                        f"{archived / recorded:.2f}",
                    )
                )
            print_table(
                "archive throughput (results/s, median)",
                ["store", "results", "archive", "record only (baseline)", "ratio"],
                rows,
            )
            url = postgres.url(postgres.create_database())
            load_s = await load_runs(url, args.stored_runs)
            print(f"\nloaded {args.stored_runs:,} runs into PostgreSQL in {load_s:.1f} s")
            latencies = await history_latencies(url, args.stored_runs, args.repeat)
            baseline = latencies[0][1]
            print_table(
                f"history query latency over {args.stored_runs:,} runs (ms, median)",
                ["query", "ms", "ratio to get_run"],
                [(name, f"{ms:.2f}", f"{ms / baseline:.1f}") for name, ms in latencies],
            )
        finally:
            postgres.close()
            redis_server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=20_000)
    parser.add_argument("--stored-runs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
