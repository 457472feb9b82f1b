"""Benchmark: a checkpoint over a PostgreSQL table against polars reading the same columns.

    python bench/sql_source.py                  # 1,000,000 rows
    python bench/sql_source.py --rows 20000 --repeat 1

Starts a private PostgreSQL cluster (initdb in a temp dir, a free loopback port: never the
machine's own server), creates a table (int id, float amount with ~1% nulls, 10-value text
category, 1% duplicated ids), then times, alternately and best of ``--repeat``, in one
process:

- baseline: ``pl.read_database_uri`` of the checked columns (connectorx, polars' default
  engine) plus a hand-written polars query computing the same figures;
- the same with ``engine="adbc"`` (the driver checkfleet's SQL reader uses);
- the checkpoint with ``pushdown: false`` (the columns fetched through ADBC, polars computes);
- the checkpoint as configured by default: the aggregates pushed into PostgreSQL.

Not a test: nothing here asserts a speed; the figures of every side are checked equal.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.checkpoint import Checkpoint
from shared.validation import validate_checkpoint
from tests.support.postgres_server import PostgresServer

COLUMNS = "id, amount, category"
COUNTS: list[Any] = [
    {"type": "null", "config": {"columns": ["amount", "category"]}},
    {"type": "range", "config": {"columns": ["amount"], "min": 0, "max": 9_000}},
    {"type": "row_count", "config": {"min": 1}},
]
UNIQUE: Any = {"type": "unique", "config": {"columns": ["id"]}}
#: The two checkpoints: counts, nulls and a range; the same plus duplicated ids.
CHECKS = {"nulls + range": COUNTS, "nulls + range + unique": [*COUNTS, UNIQUE]}


def create_table(url: str, rows: int) -> None:
    with psycopg.connect(url) as connection:
        connection.execute(
            """CREATE TABLE orders AS SELECT
                   CASE WHEN g %% 100 = 0 THEN g - 1 ELSE g END AS id,
                   CASE WHEN g %% 97 = 0 THEN NULL ELSE (g %% 10007)::float8 END AS amount,
                   'cat' || (g %% 10) AS category
               FROM generate_series(1, %s) g""",
            (rows,),
        )
        connection.execute("ANALYZE orders")


def hand_written(url: str, engine: str, unique: bool) -> dict[str, Any]:
    """The checkpoint's figures computed by hand from the fetched columns."""
    columns = COLUMNS if unique else "amount, category"
    frame = pl.read_database_uri(f"SELECT {columns} FROM orders", url, engine=engine)  # type: ignore[arg-type]
    amount = pl.col("amount")
    exprs = {
        "rows": pl.len(),
        "amount_nulls": amount.null_count(),
        "category_nulls": pl.col("category").null_count(),
        "out_of_range": ((amount < 0) | (amount > 9_000)).fill_null(False).sum(),
        "checked": amount.count(),
    }
    if unique:
        exprs["duplicated"] = pl.col("id").drop_nulls().is_duplicated().sum()
    figures = frame.select(**exprs).row(0, named=True)
    return {key: int(value) for key, value in figures.items()}


def checkpoint_figures(url: str, pushdown: bool, validators: list[Any]) -> dict[str, Any]:
    source = {"uri": url, "table": "orders", "pushdown": pushdown}
    result = validate_checkpoint(Checkpoint("bench", source, validators), run_id="bench")
    if result.error:
        raise SystemExit(result.error)
    validators: Any = result.statistics["validators"]
    by_name = {item["validator"]: item["figures"] for item in validators}
    figures = {
        "rows": result.row_count,
        "amount_nulls": by_name["null"]["amount"]["failing"],
        "category_nulls": by_name["null"]["category"]["failing"],
        "out_of_range": by_name["range"]["amount"]["failing"],
        "checked": by_name["range"]["amount"]["checked"],
    }
    if "unique" in by_name:
        figures["duplicated"] = by_name["unique"]["id"]["duplicated"]
    return figures


def timed(run: Callable[[], dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    value = run()
    return time.perf_counter() - started, value


def compare(url: str, label: str, validators: list[Any], repeat: int) -> None:
    """Time each side over the table, best of `repeat`; print seconds and ratios."""
    unique = UNIQUE in validators
    sides: dict[str, Callable[[], dict[str, Any]]] = {
        "read_database_uri (connectorx) + polars": lambda: hand_written(url, "connectorx", unique),
        "read_database_uri (adbc) + polars": lambda: hand_written(url, "adbc", unique),
        "checkpoint, pushdown: false": lambda: checkpoint_figures(url, False, validators),
        "checkpoint, pushed down": lambda: checkpoint_figures(url, True, validators),
    }
    best = dict.fromkeys(sides, float("inf"))
    answers: dict[str, dict[str, Any]] = {}
    for _ in range(repeat):
        for name, run in sides.items():
            seconds, answers[name] = timed(run)
            best[name] = min(best[name], seconds)
    baseline_name = next(iter(sides))
    expected = answers[baseline_name]
    print(f"\n{label}:\n{'side':42} {'best s':>8} {'ratio':>6}  figures")
    for name in sides:
        same = "same" if answers[name] == expected else f"DIFFER {answers[name]}"
        ratio = best[name] / best[baseline_name]
        print(f"{name:42} {best[name]:8.3f} {ratio:6.2f}  {same}")
    if any(answers[name] != expected for name in sides):
        raise SystemExit(f"the figures differ; expected {expected}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; best is kept")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}, polars {pl.__version__}")
    server = PostgresServer()
    try:
        server.start()
        url = server.url(server.create_database())
        started = time.perf_counter()
        create_table(url, args.rows)
        print(f"created a {args.rows:,}-row table in {time.perf_counter() - started:.1f} s")
        for label, validators in CHECKS.items():
            compare(url, label, validators, args.repeat)
    finally:
        server.close()


if __name__ == "__main__":
    main()
