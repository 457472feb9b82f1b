"""Versioned schema migrations of the results store, one list for both backends.

Each `Migration` has a version (applied in order, once), a description, and its statements for
SQLite and for PostgreSQL. A store records what it applied in ``schema_migrations``; `open()`
applies the missing ones in one transaction each (PostgreSQL under an advisory lock, SQLite
under ``BEGIN IMMEDIATE``), so two processes opening a new store at once do not race.
To change the schema, append a migration; never edit one that shipped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]


#: Where a store records the versions applied.
MIGRATIONS_TABLE = "schema_migrations"

SQLITE_MIGRATIONS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL
)"""

POSTGRESQL_MIGRATIONS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""

#: The column types that differ between the backends, by role. Run times are microseconds
#: since the epoch in SQLite (exact, ordered) and timestamptz in PostgreSQL.
_SQLITE_TYPES = {
    "time": "INTEGER",
    "count": "INTEGER",
    "real": "REAL",
    "json": "TEXT",
    "recorded": "INTEGER NOT NULL",
}
_POSTGRESQL_TYPES = {
    "time": "TIMESTAMPTZ",
    "count": "BIGINT",
    "real": "DOUBLE PRECISION",
    "json": "JSONB",
    "recorded": "TIMESTAMPTZ NOT NULL DEFAULT now()",
}


def _initial(types: dict[str, str]) -> tuple[str, ...]:
    """The first schema in one backend's `types`. The indexes serve: history of one
    checkpoint / of everything / by status, newest first; the latest run per checkpoint; the
    figures of a checkpoint's latest runs. Shipped: its statements must not change."""
    return (
        f"""CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        checkpoint TEXT NOT NULL,
        data_asset TEXT NOT NULL,
        status TEXT NOT NULL,
        run_time {types["time"]} NOT NULL,
        row_count {types["count"]} NOT NULL,
        duration_ms {types["real"]} NOT NULL,
        issue_count INTEGER NOT NULL,
        result {types["json"]} NOT NULL,
        recorded_at {types["recorded"]}
    )""",
        "CREATE INDEX runs_checkpoint_time ON runs (checkpoint, run_time DESC)",
        "CREATE INDEX runs_time ON runs (run_time DESC)",
        "CREATE INDEX runs_status_time ON runs (status, run_time DESC)",
        f"""CREATE TABLE figures (
        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        checkpoint TEXT NOT NULL,
        data_asset TEXT NOT NULL,
        validator TEXT NOT NULL,
        column_name TEXT NOT NULL,
        metric TEXT NOT NULL,
        value {types["real"]} NOT NULL,
        run_time {types["time"]} NOT NULL
    )""",
        "CREATE INDEX figures_run ON figures (run_id)",
        "CREATE INDEX figures_series ON figures (checkpoint, metric, run_time)",
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs and figures", _initial(_SQLITE_TYPES), _initial(_POSTGRESQL_TYPES)),
)


def pending(applied: set[int]) -> list[Migration]:
    """The migrations not applied yet, in version order."""
    return [migration for migration in MIGRATIONS if migration.version not in applied]


def latest_version() -> int:
    return MIGRATIONS[-1].version
