"""Data sources through a real in-process arq worker: a PostgreSQL map source in an inline
spec (msgpack carries the map), and a file handed over in the run context."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import psycopg
from arq.connections import ArqRedis

from shared.checkpoint import Checkpoint
from shared.job import RUN_CHECKPOINT
from shared.models import CheckpointStatus
from shared.settings import Settings
from shared.sources.resolved import strip_credentials
from tests.support.postgres_server import TEST_PASSWORD
from tests.worker.conftest import WorkerFactory
from tests.worker.fleet import read_results


async def test_an_inline_spec_reads_a_postgresql_table_and_hides_its_password(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, postgres_url: str
) -> None:
    with psycopg.connect(postgres_url) as connection:
        connection.execute(
            "CREATE TABLE t AS SELECT g AS id, NULLIF(g % 4, 0) AS v FROM generate_series(1, 40) g"
        )
    checked = [{"type": "not_null", "config": {"columns": ["v"]}}]
    spec = Checkpoint("pg", {"uri": postgres_url, "table": "t"}, checked).to_spec()
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": spec, "run_id": "pg-1"})
    # The policy judges the URL without its credentials: list the database as a data root.
    database = strip_credentials(postgres_url)
    settings = dataclasses.replace(
        worker_settings, data_roots=(*worker_settings.data_roots, database)
    )
    worker = make_worker(settings)
    await worker.main()
    [result] = await read_results(arq_pool, worker_settings)
    assert result.row_count == 40 and result.issues[0].count == 10
    assert result.status is CheckpointStatus.WARNING  # 10 nulls in 40: high, so a warning
    assert TEST_PASSWORD not in json.dumps(result.to_dict())
    assert "***" in result.data_asset


async def test_the_context_path_is_the_data_source(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, tmp_path: Path
) -> None:
    arrived = tmp_path / "arrived.csv"
    arrived.write_text("id\n1\n2\n3\n")
    spec = Checkpoint("arrivals", "${trigger.path}", ["null"]).to_spec()
    request = {"checkpoint": spec, "run_id": "f-1", "context": {"path": str(arrived)}}
    await arq_pool.enqueue_job(RUN_CHECKPOINT, request)
    worker = make_worker()
    await worker.main()
    [result] = await read_results(arq_pool, worker_settings)
    assert result.status is CheckpointStatus.SUCCESS, result.error
    assert (result.data_asset, result.row_count) == (str(arrived), 3)
