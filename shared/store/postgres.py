"""`PostgresStore`: the results store of a fleet in PostgreSQL (``postgresql://...``), through
an asyncpg connection pool.

Recording is one transaction per batch: ``INSERT ... ON CONFLICT (run_id) DO NOTHING RETURNING``
tells which runs are new, and only their figures are inserted (with ``COPY``-speed
``executemany``), so a batch delivered twice adds nothing. Migrations run under an advisory
lock, so archivers and workers starting together migrate once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from shared.errors import StoreError
from shared.models import CheckpointResult
from shared.store.base import FigurePoint, FigureQuery, RunQuery, StoreLifecycle, figure_point
from shared.store.migrations import MIGRATIONS_TABLE, POSTGRESQL_MIGRATIONS_TABLE, pending
from shared.store.rows import figure_records, result_from_json, run_record
from shared.store.sql import (
    FIGURE_COLUMNS,
    RUN_COLUMNS,
    Params,
    count_select,
    figures_select,
    runs_select,
)

#: Any fixed number: the advisory lock held while migrating.
MIGRATION_LOCK_ID = 0x636B666C  # "ckfl"
#: Connections of one process's pool.
POOL_MAX_SIZE = 4


class PostgresStore(StoreLifecycle):
    """A `ResultStore` in a PostgreSQL database (tables created by the migrations)."""

    def __init__(self, url: str, *, max_connections: int = POOL_MAX_SIZE) -> None:
        self._url = url
        self._max_connections = max_connections
        self._pool: asyncpg.Pool | None = None

    @property
    def location(self) -> str:
        return redact_url(self._url)

    async def open(self) -> None:
        if self._pool is not None:
            return
        try:
            self._pool = await asyncpg.create_pool(
                self._url, min_size=1, max_size=self._max_connections, init=_init_connection
            )
            async with self._pool.acquire() as connection:
                await _migrate(connection)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self.close()
            raise StoreError(f"{self.location}: {exc}") from exc

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def record(self, results: Sequence[CheckpointResult]) -> int:
        if not results:
            return 0
        unique = list({result.run_id: result for result in results}.values())
        rows = [run_record(result, result.run_time) for result in unique]
        by_id = {result.run_id: result for result in unique}
        async with self._connection() as connection, connection.transaction():
            inserted = await connection.fetch(
                f"INSERT INTO runs ({RUN_COLUMNS})"
                " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
                " $5::timestamptz[], $6::bigint[], $7::float8[], $8::int[], $9::jsonb[])"
                " ON CONFLICT (run_id) DO NOTHING RETURNING run_id",
                *(list(column) for column in zip(*rows, strict=True)),
            )
            figures = [
                record
                for result in (by_id[row["run_id"]] for row in inserted)
                for record in figure_records(result, result.run_time)
            ]
            if figures:
                await connection.copy_records_to_table(
                    "figures", records=figures, columns=FIGURE_COLUMNS.split(", ")
                )
        return len(inserted)

    async def runs(self, query: RunQuery) -> list[CheckpointResult]:
        params = _params()
        rows = await self._fetch(runs_select(query, params), params.values)
        return [result_from_json(row[0]) for row in rows]

    async def get_run(self, run_id: str) -> CheckpointResult | None:
        rows = await self._fetch("SELECT result FROM runs WHERE run_id = $1", [run_id])
        return result_from_json(rows[0][0]) if rows else None

    async def latest(self, checkpoints: Sequence[str] = ()) -> list[CheckpointResult]:
        where = " WHERE checkpoint = ANY($1::text[])" if checkpoints else ""
        sql = (
            f"SELECT DISTINCT ON (checkpoint) result FROM runs{where}"
            " ORDER BY checkpoint, run_time DESC, run_id DESC"
        )
        rows = await self._fetch(sql, [list(checkpoints)] if checkpoints else [])
        return [result_from_json(row[0]) for row in rows]

    async def figures(self, query: FigureQuery) -> list[FigurePoint]:
        params = _params()
        rows = await self._fetch(figures_select(query, params), params.values)
        return [figure_point(row, row[1]) for row in rows]

    async def count_runs(self, checkpoint: str | None = None) -> int:
        params = _params()
        rows = await self._fetch(count_select(checkpoint, params), params.values)
        return int(rows[0][0])

    def _connection(self) -> Any:
        if self._pool is None:
            raise StoreError(f"{self.location}: the store is not open")
        return self._pool.acquire()

    async def _fetch(self, sql: str, values: Sequence[Any]) -> list[Any]:
        try:
            async with self._connection() as connection:
                rows: list[Any] = await connection.fetch(sql, *values)
                return rows
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"{self.location}: {exc}") from exc


async def _init_connection(connection: Any) -> None:
    # JSONB comes back as text by default: decode it once, here.
    await connection.set_type_codec("jsonb", encoder=str, decoder=json.loads, schema="pg_catalog")


async def _migrate(connection: Any) -> None:
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_ID)
        await connection.execute(POSTGRESQL_MIGRATIONS_TABLE)
        applied = {
            row[0] for row in await connection.fetch(f"SELECT version FROM {MIGRATIONS_TABLE}")
        }
        for migration in pending(applied):
            for statement in migration.postgresql:
                await connection.execute(statement)
            await connection.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} (version, description) VALUES ($1, $2)",
                migration.version,
                migration.description,
            )


def _params() -> Params:
    return Params("numeric", _as_time)


def _as_time(moment: datetime) -> datetime:
    return moment


def redact_url(url: str) -> str:
    """`url` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))
