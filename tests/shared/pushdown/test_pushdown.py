"""Aggregate push-down against the private PostgreSQL: same figures as polars, or no push-down."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest

from shared.checkpoint import Checkpoint
from shared.pushdown import NotPushableError, compile_reduction, compile_row, pushed_down_row
from shared.sources import resolve_source
from shared.validation import plan_scan
from shared.validators.duplicates import DuplicateFigures

PUSHABLE = [
    "null",
    {"type": "not_null", "config": {"columns": ["amount", "day"]}},
    {"type": "completeness", "config": {"columns": ["amount"], "min_ratio": 0.95}},
    {"type": "range", "config": {"columns": ["amount"], "min": 5, "max": 40}},
    {"type": "between", "config": {"columns": ["day"], "min": "2024-01-03", "max": "2024-01-20"}},
    {"type": "unique", "config": {"columns": ["code"]}},
    {"type": "unique", "config": {"columns": ["code", "amount"], "combined": True}},
    {"type": "row_count", "config": {"min": 1, "max": 1000}},
]


@pytest.fixture
def orders(postgres_url: str, tmp_path: Path) -> tuple[str, str]:
    """A table in PostgreSQL and the same rows in a Parquet file."""
    with psycopg.connect(postgres_url) as connection:
        connection.execute(
            """CREATE TABLE orders AS SELECT g AS id,
                   CASE WHEN g %% 11 = 0 THEN NULL ELSE (g %% 50)::float8 END AS amount,
                   CASE WHEN g %% 13 = 0 THEN NULL ELSE 'k' || (g %% 120) END AS code,
                   DATE '2024-01-01' + (g %% 30) AS day
               FROM generate_series(1, %s) g""",
            (300,),
        )
    copy = tmp_path / "orders.parquet"
    pl.read_database_uri("SELECT * FROM orders", postgres_url, engine="adbc").write_parquet(copy)
    return postgres_url, str(copy)


def figures(checkpoint: Checkpoint) -> Any:
    result = checkpoint.run()
    assert result.error is None, result.error
    return result.statistics["validators"], [(i.validator, i.count) for i in result.issues]


def test_pushed_down_figures_are_polars_figures(orders: tuple[str, str]) -> None:
    url, copy = orders
    source = {"uri": url, "table": "orders"}
    plan = plan_scan(resolve_source(source), [Checkpoint("x", copy, PUSHABLE).validators[0]])
    assert pushed_down_row(resolve_source(source), plan) is not None
    assert figures(Checkpoint("db", source, PUSHABLE)) == figures(Checkpoint("f", copy, PUSHABLE))


def test_the_whole_plan_is_pushed_down(orders: tuple[str, str]) -> None:
    url, _ = orders
    source = resolve_source({"uri": url, "table": "orders"})
    validators = [v.fresh() for v in Checkpoint("c", "x.csv", PUSHABLE).validators]
    row = pushed_down_row(source, plan_scan(source, validators))
    assert row is not None and row["__row_count"] == 300
    duplicates = [value for value in row.values() if isinstance(value, DuplicateFigures)]
    assert len(duplicates) == 2 and duplicates[0].duplicated > 0


def test_a_check_sql_cannot_do_exactly_is_computed_by_polars(orders: tuple[str, str]) -> None:
    url, copy = orders
    regex = [{"type": "regex", "config": {"columns": ["code"], "pattern": "^k1"}}, "null"]
    source = resolve_source({"uri": url, "table": "orders"})
    validators = [v.fresh() for v in Checkpoint("c", copy, regex).validators]
    assert pushed_down_row(source, plan_scan(source, validators)) is None
    assert figures(Checkpoint("db", {"uri": url, "table": "orders"}, regex)) == figures(
        Checkpoint("f", copy, regex)
    )


def test_min_and_max_of_text_stay_in_polars(orders: tuple[str, str]) -> None:
    url, _ = orders
    source = resolve_source({"uri": url, "table": "orders"})
    frame = pl.LazyFrame({"code": ["b"]})
    assert compile_reduction(pl.col("code").max()) == 'MAX("code")'
    plan = plan_scan(resolve_source(frame), [])
    plan.parts["text_max"] = pl.col("code").max()
    plan.schema = pl.Schema({"code": pl.String})
    assert pushed_down_row(source, plan) is None  # collations order text unlike polars


@pytest.mark.parametrize(
    ("expr", "sql"),
    [
        (pl.len(), "COUNT(*)"),
        (pl.col("a").count(), 'COUNT("a")'),
        (pl.col("a").null_count(), '(COUNT(*) - COUNT("a"))'),
        (
            (pl.col("a") > 3).fill_null(False).sum(),
            'COALESCE(SUM(CASE WHEN COALESCE(("a" > 3), FALSE) THEN 1 ELSE 0 END), 0)',
        ),
        (
            pl.col("a").n_unique(),
            '(COUNT(DISTINCT "a") + MAX(CASE WHEN "a" IS NULL THEN 1 ELSE 0 END))',
        ),
    ],
)
def test_reductions_compile(expr: pl.Expr, sql: str) -> None:
    assert compile_reduction(expr) == sql


def test_literals_and_masks_compile() -> None:
    mask = (pl.col("d") < pl.lit(date(2024, 1, 2)).cast(pl.Date)) | pl.col("s").eq("it's")
    assert compile_row(mask) == "((\"d\" < DATE '2024-01-02') OR (\"s\" = 'it''s'))"
    assert compile_row(~pl.col("x").is_null()) == '(NOT ("x" IS NULL))'


@pytest.mark.parametrize(
    "expr",
    [pl.col("a").sum(), pl.col("a").str.contains("x").sum(), pl.col("a").mean(), pl.col("a") + 1],
)
def test_what_is_not_exact_is_not_pushed_down(expr: pl.Expr) -> None:
    with pytest.raises(NotPushableError):
        compile_reduction(expr)


def test_pushdown_false_fetches_the_columns_instead(orders: tuple[str, str]) -> None:
    url, copy = orders
    source = resolve_source({"uri": url, "table": "orders", "pushdown": False})
    validators = [v.fresh() for v in Checkpoint("c", copy, PUSHABLE).validators]
    assert pushed_down_row(source, plan_scan(source, validators)) is None
    fetched = Checkpoint("db", {"uri": url, "table": "orders", "pushdown": False}, PUSHABLE)
    assert figures(fetched) == figures(Checkpoint("f", copy, PUSHABLE))
