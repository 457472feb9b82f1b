"""SQL sources against the session's private PostgreSQL cluster."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import polars as pl
import psycopg
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointResult, CheckpointStatus
from tests.support.postgres_server import TEST_PASSWORD, PostgresServer
from tests.support.redis_server import free_port

VALIDATORS = [
    "null",
    {"type": "not_null", "config": {"columns": ["amount"]}},
    {"type": "range", "config": {"columns": ["amount"], "min": 0, "max": 50}},
    {"type": "unique", "config": {"columns": ["code"]}},
    {"type": "row_count", "config": {"min": 10}},
]


def create_orders(url: str, rows: int = 200) -> None:
    with psycopg.connect(url) as connection:
        connection.execute(
            """CREATE TABLE orders AS SELECT g AS id,
                   CASE WHEN g %% 7 = 0 THEN NULL ELSE (g %% 60)::float8 END AS amount,
                   'c' || (g %% 150) AS code,
                   CASE WHEN g %% 5 = 0 THEN NULL ELSE 'x' END AS note
               FROM generate_series(1, %s) g""",
            (rows,),
        )


def figures(result: CheckpointResult) -> object:
    return result.statistics["validators"]


def test_a_table_gives_the_figures_polars_gives_on_the_same_data(
    postgres_url: str, tmp_path: Path
) -> None:
    create_orders(postgres_url)
    copy = tmp_path / "orders.parquet"
    pl.read_database_uri("SELECT * FROM orders", postgres_url, engine="adbc").write_parquet(copy)
    from_table = Checkpoint("t", {"uri": postgres_url, "table": "public.orders"}, VALIDATORS).run()
    from_file = Checkpoint("f", str(copy), VALIDATORS).run()
    assert from_table.error is None and from_table.row_count == 200
    assert figures(from_table) == figures(from_file)
    assert [issue.count for issue in from_table.issues] == [i.count for i in from_file.issues]
    assert from_table.status is CheckpointStatus.FAILURE  # nulls in amount


def test_a_query_is_a_source_and_its_uri_may_be_a_variable(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_orders(postgres_url)
    monkeypatch.setenv("ORDERS_DB", postgres_url)
    source = {"uri": "${ORDERS_DB}", "query": "SELECT id, amount FROM orders WHERE id <= 20;"}
    result = Checkpoint("q", source, ["null"]).run()
    assert result.row_count == 20
    assert result.statistics["columns"] == {"id": "Int32", "amount": "Float64"}
    assert TEST_PASSWORD not in json.dumps(result.to_dict())


def test_only_the_columns_the_validators_use_are_fetched(postgres_url: str) -> None:
    create_orders(postgres_url)
    with psycopg.connect(postgres_url) as connection:
        # Fetching `boom` fails (division by zero): a run that works never selected it.
        connection.execute(
            "CREATE VIEW fragile AS SELECT id, amount, 1 / (id - id) AS boom FROM orders"
        )
    checked = {"type": "not_null", "config": {"columns": ["id"]}}
    result = Checkpoint("p", {"uri": postgres_url, "table": "fragile"}, [checked]).run()
    assert result.status is CheckpointStatus.SUCCESS, result.error
    everything = Checkpoint("p", {"uri": postgres_url, "table": "fragile"}, ["null"]).run()
    assert everything.status is CheckpointStatus.ERROR
    assert "division by zero" in (everything.error or "")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong password", "password authentication failed"),
        ("missing table", 'relation "ghost" does not exist'),
        ("bad query", "syntax error"),
        ("unreachable host", "Connection refused"),
    ],
)
def test_bad_input_is_an_error_result_naming_the_source_without_its_password(
    postgres_server: PostgresServer,
    postgres_url: str,
    caplog: pytest.LogCaptureFixture,
    case: str,
    expected: str,
) -> None:
    create_orders(postgres_url)
    database = postgres_url.rsplit("/", 1)[1]
    source: dict[str, str] = {
        "wrong password": {"uri": postgres_server.url(database, "Wr0ng-pass!"), "table": "orders"},
        "missing table": {"uri": postgres_url, "table": "ghost"},
        "bad query": {"uri": postgres_url, "query": "SELEC amount FROM orders"},
        "unreachable host": {
            "uri": f"postgresql://checkfleet:{TEST_PASSWORD}@127.0.0.1:{free_port()}/x",
            "table": "orders",
        },
    }[case]
    with caplog.at_level(logging.DEBUG):
        result = Checkpoint("db", source, ["null"]).run()
    assert result.status is CheckpointStatus.ERROR
    error = result.error or ""
    assert error.startswith("checkpoint 'db', source 'postgresql://checkfleet:***@127.0.0.1:")
    assert expected in error
    shown = json.dumps(result.to_dict()) + caplog.text
    for secret in (TEST_PASSWORD, "Wr0ng-pass!"):
        assert secret not in shown
