"""Benchmark: a checkpoint with nine validators against a hand-written polars query, and a
checkpoint of bare ``null`` and ``unique`` against the plain polars query a user would write.

    python bench/validation.py                 # 1,000,000 rows, CSV and Parquet
    python bench/validation.py --rows 10000000 --formats csv --repeat 1
    python bench/validation.py --scenario bare --repeat 5    # bare null + unique, clean data

Generates a data set (int id, float amount with ~1% nulls, 10-value category, timestamp,
email) in a temporary directory, then for each format times the checkpoint run and a
hand-written query computing the same statistics over one scan, alternately, the median of
``--repeat``, in one process. Peak memory is measured apart: each side runs once more in a
fresh child process, which reports its maximum resident set size and the peak of its
anonymous part (interpreter and polars included). Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.checkpoint import Checkpoint
from shared.specs import STRATEGIES
from shared.validation import ENGINE, validate_checkpoint

CATEGORIES = [f"cat{i}" for i in range(10)]
EMAIL = r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}"
SAMPLE = 5


def generate(rows: int, directory: Path, formats: list[str]) -> dict[str, Path]:
    """Write the data set in each format, streaming so 10M rows need little memory."""
    now_s = int(datetime.now(UTC).timestamp())
    index = pl.int_range(0, rows, dtype=pl.Int64)
    hashed = index.hash(seed=7)
    frame = (
        pl.LazyFrame()
        .select(index.alias("id"))
        .with_columns(
            amount=pl.when(hashed % 100 == 0)
            .then(None)
            .otherwise((hashed % 1_000_000).cast(pl.Float64) / 100.0),
            category=pl.lit("cat") + (hashed % 10).cast(pl.String),
            ts=pl.from_epoch(pl.lit(now_s - rows) + pl.col("id"), time_unit="s"),
            email=pl.lit("user") + pl.col("id").cast(pl.String) + pl.lit("@example.com"),
        )
    )
    return write_formats(frame, directory, "bench", formats)


def write_formats(
    frame: pl.LazyFrame, directory: Path, stem: str, formats: list[str]
) -> dict[str, Path]:
    """`frame` written as ``<stem>.<format>`` in `directory` for each format (csv, parquet)."""
    paths = {}
    for fmt in formats:
        path = directory / f"{stem}.{fmt}"
        if fmt == "csv":
            frame.sink_csv(path)
        else:
            frame.sink_parquet(path)
        paths[fmt] = path
    return paths


def generate_clean(rows: int, directory: Path, formats: list[str]) -> dict[str, Path]:
    """Three clean columns (no null, no duplicate): int id, float amount, email."""
    index = pl.int_range(0, rows, dtype=pl.Int64)
    frame = (
        pl.LazyFrame()
        .select(index.alias("id"))
        .with_columns(
            amount=pl.col("id").cast(pl.Float64) / 100.0,
            email=pl.lit("user") + pl.col("id").cast(pl.String) + pl.lit("@example.com"),
        )
    )
    return write_formats(frame, directory, "clean", formats)


def bare_checkpoint_for(source: Path) -> Checkpoint:
    return Checkpoint(name="bare", data_source=str(source), validators=["null", "unique"])


def plain_query(source: Path) -> dict[str, Any]:
    """What a user writes for the same question: null_count() and n_unique() per column,
    one scan, polars' default engine."""
    frame = pl.scan_csv(source) if source.suffix == ".csv" else pl.scan_parquet(source)
    columns = frame.collect_schema().names()
    exprs = [pl.col(c).null_count().alias(f"{c}_nulls") for c in columns]
    exprs += [pl.col(c).n_unique().alias(f"{c}_distinct") for c in columns]
    row: dict[str, Any] = frame.select(exprs).collect().row(0, named=True)
    return row


def checkpoint_for(source: Path) -> Checkpoint:
    return Checkpoint(
        name="bench",
        data_source=str(source),
        validators=[
            {"type": "null", "config": {"columns": ["amount", "email"]}},
            {"type": "range", "config": {"columns": ["amount"], "min": 0, "max": 10_000}},
            {"type": "unique", "config": {"columns": ["id"]}},
            {"type": "regex", "config": {"columns": ["email"], "pattern": EMAIL}},
            {"type": "in_set", "config": {"columns": ["category"], "values": CATEGORIES}},
            {
                "type": "schema",
                "config": {
                    "columns": {
                        "id": "Int64",
                        "amount": "Float64",
                        "category": "String",
                        "ts": "Datetime",
                        "email": "String",
                    }
                },
            },
            {"type": "row_count", "config": {"min": 1}},
            {"type": "freshness", "config": {"column": "ts", "max_age": "1d"}},
            {
                "type": "distribution",
                "config": {"column": "category", "categories": dict.fromkeys(CATEGORIES, 0.1)},
            },
        ],
    )


def hand_written(source: Path) -> dict[str, Any]:
    """The same statistics as the checkpoint, written by hand for streaming memory.

    One select of reductions; each sample (first failing rows) in its own branch, since
    polars 2.1 holds every column of a select in memory when a sample sits next to
    reductions; the id column gathered whole and its duplicates counted by sorting, since
    hash-based counting (``is_duplicated``) holds ~80 bytes per row. Polars shares the one
    file scan between the branches.
    """
    if source.suffix == ".csv":
        overrides = {"ts": pl.Datetime("us")}
        frame = pl.scan_csv(source, infer_schema_length=10_000, schema_overrides=overrides)
    else:
        frame = pl.scan_parquet(source)
    schema = frame.collect_schema()
    shared = frame
    amount, email, category, ident = (pl.col(c) for c in ("amount", "email", "category", "id"))
    out_of_range = ((amount < 0) | (amount > 10_000)).fill_null(False)
    mismatch = (~email.str.contains(f"^(?:{EMAIL})$")).fill_null(False)
    outside = (~category.is_in(CATEGORIES)).fill_null(False)
    exprs = [
        pl.len().alias("rows"),
        amount.null_count().alias("amount_nulls"),
        email.null_count().alias("email_nulls"),
        out_of_range.sum().alias("range"),
        amount.count().alias("amount_count"),
        mismatch.sum().alias("regex"),
        email.count().alias("email_count"),
        outside.sum().alias("in_set"),
        category.count().alias("category_count"),
        pl.col("ts").max().alias("newest"),
        *((category == name).sum().alias(f"share_{name}") for name in CATEGORIES),
    ]

    def first(value: pl.Expr, mask: pl.Expr, name: str) -> pl.LazyFrame:
        rows = shared.filter(mask).select(value.alias(name)).head(SAMPLE)
        return rows.select(pl.col(name).implode())

    query = pl.concat(
        [
            shared.select(exprs),
            first(amount, out_of_range, "range_sample"),
            first(email, mismatch, "regex_sample"),
            first(category, outside, "in_set_sample"),
            shared.select(ident.drop_nulls().implode().alias("ids")),
        ],
        how="horizontal",
    )
    result = query.collect(engine=ENGINE)
    row: dict[str, Any] = result.drop("ids").row(0, named=True)
    ids = result.get_column("ids")[0]
    ordered = ids.sort()
    same = ordered.slice(1).eq_missing(ordered.slice(0, len(ordered) - 1))
    runs = (same.slice(1) & ~same.slice(0, len(same) - 1)).sum() + int(bool(same[0]))
    row["dups"] = int(same.sum()) + runs if same.sum() else 0
    row["id_count"] = len(ids)
    if row["dups"]:  # the first duplicated ids, each once, in order of appearance
        counts = ordered.search_sorted(ids, side="right") - ordered.search_sorted(ids)
        row["dup_s"] = ids.filter(counts > 1).unique(maintain_order=True).head(SAMPLE).to_list()
    row["schema"] = dict(schema)
    return row


def measure(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = run()
    return time.perf_counter() - started, value


def run_side(side: str, path: Path) -> Any:
    if side == "hand":
        return hand_written(path)
    if side == "plain":
        return plain_query(path)
    build = bare_checkpoint_for if side == "bare" else checkpoint_for
    result = validate_checkpoint(build(path), run_id="bench")
    if result.error:
        raise SystemExit(result.error)
    return result


def status_mb(field: str) -> float:
    """A size field of /proc/self/status (``VmHWM``, ``RssAnon``...) in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


class AnonPeak:
    """Samples the anonymous resident memory (heap, not mapped file pages) every 5 ms."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, status_mb("RssAnon"))
            time.sleep(0.005)

    def __enter__(self) -> AnonPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def child_peaks_mb(side: str, path: Path) -> tuple[float, float]:
    """(peak RSS, peak anonymous RSS) of a fresh process that runs `side` once. VmHWM, unlike
    ru_maxrss, restarts at exec; it counts mapped file pages, which RssAnon leaves out."""
    command = [sys.executable, __file__, "--child", side, "--source", str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    hwm, anon = output.split()[-2:]
    return float(hwm), float(anon)


class _BenchStrategy:
    """The checkpoint validates its action strategy; actions do not run here."""

    @classmethod
    def from_spec(cls, spec: Any) -> _BenchStrategy:
        return cls()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,parquet", help="comma-separated: csv,parquet")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each side; the median is kept"
    )
    parser.add_argument("--dir", type=Path, default=None, help="where to write the data")
    parser.add_argument(
        "--scenario",
        choices=["full", "bare"],
        default="full",
        help="full: nine validators against the hand-written query; bare: bare null and"
        " unique over three clean columns against the plain null_count / n_unique query",
    )
    parser.add_argument(
        "--child", choices=["checkpoint", "hand", "bare", "plain"], help=argparse.SUPPRESS
    )
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if "concurrent" not in STRATEGIES:
        STRATEGIES.add("concurrent", _BenchStrategy)
    if args.child:
        with AnonPeak() as anon:
            run_side(args.child, args.source)
        print(f"{status_mb('VmHWM'):.1f} {anon.peak_mb:.1f}")
        return
    formats = [fmt.strip() for fmt in args.formats.split(",") if fmt.strip()]

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}, polars {pl.__version__}, engine {ENGINE}")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        started = time.perf_counter()
        bare = args.scenario == "bare"
        paths = (generate_clean if bare else generate)(args.rows, Path(tmp), formats)
        ours, theirs = ("bare", "plain") if bare else ("checkpoint", "hand")
        print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        print(
            f"{'format':8} {'size MB':>8} {'checkpoint s':>13} {'baseline s':>10} {'ratio':>6}"
            f" {'ckpt peak/anon MB':>16} {'base peak/anon MB':>16} status"
        )
        for fmt, path in paths.items():
            size_mb = path.stat().st_size / 1e6
            times: dict[str, list[float]] = {ours: [], theirs: []}
            result = None
            for attempt in range(args.repeat):
                # Alternate which side goes first, so neither always gets the warmer cache.
                order = [ours, theirs] if attempt % 2 == 0 else [theirs, ours]
                for side in order:
                    elapsed, value = measure(partial(run_side, side, path))
                    times[side].append(elapsed)
                    if side == ours:
                        result = value
            # Medians: the machine is shared, single runs move by tens of percent.
            mine, baseline = statistics.median(times[ours]), statistics.median(times[theirs])
            status = f"{result.status.value}, {len(result.issues)} issues" if result else ""
            peak_ck, anon_ck = child_peaks_mb(ours, path)
            peak_hand, anon_hand = child_peaks_mb(theirs, path)
            print(
                f"{fmt:8} {size_mb:8.1f} {mine:13.3f} {baseline:8.3f}"
                f" {mine / baseline:6.2f} {peak_ck:8.0f} / {anon_ck:<5.0f}"
                f" {peak_hand:8.0f} / {anon_hand:<5.0f} {status}"
            )
    print(
        "peak/anon MB: maximum resident set size of a fresh process running that side once /"
        " its maximum anonymous (heap) part, which leaves out memory-mapped file pages"
    )


if __name__ == "__main__":
    main()
