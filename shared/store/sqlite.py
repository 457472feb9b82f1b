"""`SQLiteStore`: the embedded results store, one file, no server (``sqlite:///path``).

The stdlib `sqlite3` connection lives in one dedicated thread: every call is handed to it, so
the event loop never blocks on disk and the connection is never shared between threads. WAL
journaling lets readers (``checkfleet history``, the dashboard) run while a writer records,
and a busy timeout lets several processes (local runs, an archiver) write the same file.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from shared.errors import StoreError
from shared.models import CheckpointResult
from shared.store.base import FigurePoint, FigureQuery, RunQuery, StoreLifecycle, figure_point
from shared.store.migrations import MIGRATIONS_TABLE, SQLITE_MIGRATIONS_TABLE, pending
from shared.store.rows import figure_records, from_micros, result_from_json, run_record, to_micros
from shared.store.sql import (
    FIGURE_COLUMNS,
    RUN_COLUMNS,
    Params,
    count_select,
    figures_select,
    runs_select,
)

T = TypeVar("T")

#: How long a write waits for another process's transaction on the same file.
BUSY_TIMEOUT_S = 30.0


class SQLiteStore(StoreLifecycle):
    """A `ResultStore` in one SQLite file (created, with its folder, on `open`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._thread: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None

    @property
    def location(self) -> str:
        return f"sqlite:///{self.path}"

    async def open(self) -> None:
        if self._thread is not None:
            return
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="checkfleet-sqlite")
        try:
            await self._call(self._connect)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        connection = self._connection
        if connection is not None:
            await asyncio.get_running_loop().run_in_executor(thread, connection.close)
            self._connection = None
        thread.shutdown(wait=False)

    async def record(self, results: Sequence[CheckpointResult]) -> int:
        if not results:
            return 0
        return await self._call(lambda: self._record(results))

    async def runs(self, query: RunQuery) -> list[CheckpointResult]:
        params = _params()
        sql = runs_select(query, params)
        rows = await self._call(lambda: self._fetch(sql, params.values))
        return [result_from_json(row[0]) for row in rows]

    async def get_run(self, run_id: str) -> CheckpointResult | None:
        rows = await self._call(
            lambda: self._fetch("SELECT result FROM runs WHERE run_id = ?", [run_id])
        )
        return result_from_json(rows[0][0]) if rows else None

    async def latest(self, checkpoints: Sequence[str] = ()) -> list[CheckpointResult]:
        # SQLite takes the bare column `result` from the row holding MAX(run_time).
        where = f" WHERE checkpoint IN ({', '.join('?' * len(checkpoints))})" if checkpoints else ""
        sql = (
            f"SELECT result, MAX(run_time) FROM runs{where} GROUP BY checkpoint ORDER BY checkpoint"
        )
        rows = await self._call(lambda: self._fetch(sql, list(checkpoints)))
        return [result_from_json(row[0]) for row in rows]

    async def figures(self, query: FigureQuery) -> list[FigurePoint]:
        params = _params()
        sql = figures_select(query, params)
        rows = await self._call(lambda: self._fetch(sql, params.values))
        return [figure_point(row, from_micros(row[1])) for row in rows]

    async def count_runs(self, checkpoint: str | None = None) -> int:
        params = _params()
        sql = count_select(checkpoint, params)
        rows = await self._call(lambda: self._fetch(sql, params.values))
        return int(rows[0][0])

    # -- in the store's thread -----------------------------------------------------------------

    async def _call(self, work: Callable[[], T]) -> T:
        if self._thread is None:
            raise StoreError(f"{self.location}: the store is not open")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, work)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.location}: {exc}") from exc

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")  # durable at each checkpoint in WAL
        connection.execute("PRAGMA foreign_keys = ON")
        self._connection = connection
        self._migrate(connection)

    def _migrate(self, connection: sqlite3.Connection) -> None:
        connection.execute(SQLITE_MIGRATIONS_TABLE)
        connection.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait
        try:
            applied = {
                row[0] for row in connection.execute(f"SELECT version FROM {MIGRATIONS_TABLE}")
            }
            for migration in pending(applied):
                for statement in migration.sqlite:
                    connection.execute(statement)
                connection.execute(
                    f"INSERT INTO {MIGRATIONS_TABLE} (version, description, applied_at)"
                    " VALUES (?, ?, ?)",
                    (migration.version, migration.description, int(time.time())),
                )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _fetch(self, sql: str, values: Sequence[Any]) -> list[Any]:
        assert self._connection is not None
        return self._connection.execute(sql, values).fetchall()

    def _record(self, results: Sequence[CheckpointResult]) -> int:
        connection = self._connection
        assert connection is not None
        recorded_at = int(time.time() * 1_000_000)
        new = 0
        connection.execute("BEGIN IMMEDIATE")
        try:
            for result in results:
                run_time = to_micros(result.run_time)
                cursor = connection.execute(
                    f"INSERT OR IGNORE INTO runs ({RUN_COLUMNS}, recorded_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*run_record(result, run_time), recorded_at),
                )
                if cursor.rowcount != 1:
                    continue  # recorded before: its figures are there too
                new += 1
                connection.executemany(
                    f"INSERT INTO figures ({FIGURE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    figure_records(result, run_time),
                )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return new


def _params() -> Params:
    return Params("qmark", to_micros)
