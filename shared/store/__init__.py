"""The results store: the memory of past runs (history, trends, learned baselines).

``open_store(url)`` gives the `ResultStore` for a URL: ``sqlite:///relative/path.db`` or
``sqlite:////absolute/path.db`` (one file, no server; the default for in-process runs is
`DEFAULT_STORE_PATH` under the working directory) or ``postgresql://user:pass@host/db``
(a fleet's shared store). `CHECKFLEET_STORE_URL` selects it (see `shared.settings`).
"""

from __future__ import annotations

from pathlib import Path

from shared.store.base import DEFAULT_LIMIT, FigurePoint, FigureQuery, ResultStore, RunQuery

#: Where in-process runs record their history when no store is configured.
DEFAULT_STORE_PATH = Path(".checkfleet") / "history.db"
SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_STORE_PATH",
    "FigurePoint",
    "FigureQuery",
    "ResultStore",
    "RunQuery",
    "check_store_url",
    "default_store_url",
    "open_store",
]


def check_store_url(url: str) -> str:
    """`url` when it names a store this package can open; ValueError saying why not."""
    if url.startswith(SQLITE_PREFIX):
        if not url[len(SQLITE_PREFIX) :].strip():
            raise ValueError(f"no file path in {url!r} (sqlite:///relative.db, sqlite:////abs.db)")
        return url
    scheme = url.partition("://")[0]
    if scheme in POSTGRES_SCHEMES and "://" in url:
        return url
    raise ValueError(
        "expected sqlite:///path/to/file.db or postgresql://user:password@host:port/database,"
        f" got a URL with scheme {scheme!r}"
    )


def default_store_url(working_dir: Path | None = None) -> str:
    """The embedded store of in-process runs: ``.checkfleet/history.db`` under the working
    directory (absolute, so a later ``chdir`` does not move it)."""
    return SQLITE_PREFIX + str((working_dir or Path.cwd()) / DEFAULT_STORE_PATH)


def open_store(url: str) -> ResultStore:
    """The store `url` names, not opened yet (``async with open_store(url) as store``).
    Backends are imported here, lazily: asyncpg loads only for PostgreSQL."""
    check_store_url(url)
    if url.startswith(SQLITE_PREFIX):
        from shared.store.sqlite import SQLiteStore

        return SQLiteStore(url[len(SQLITE_PREFIX) :])
    from shared.store.postgres import PostgresStore

    return PostgresStore(url)
