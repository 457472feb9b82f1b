"""The results store: the memory of past runs (history, trends, learned baselines).

``open_store(url)`` gives the `ResultStore` for a URL: ``sqlite:///relative/path.db`` or
``sqlite:////absolute/path.db`` (one file, no server; the default for in-process runs is
`DEFAULT_STORE_PATH` under the working directory) or ``postgresql://user:pass@host/db``
(a fleet's shared store). `CHECKFLEET_STORE_URL` selects it (see `shared.settings`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from shared.errors import StoreError
from shared.settings import SQLITE_PREFIX, Settings, check_store_url
from shared.store.base import DEFAULT_LIMIT, FigurePoint, FigureQuery, ResultStore, RunQuery

logger = logging.getLogger(__name__)

#: Where in-process runs record their history when no store is configured.
DEFAULT_STORE_PATH = Path(".checkfleet") / "history.db"

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_STORE_PATH",
    "FigurePoint",
    "FigureQuery",
    "ResultStore",
    "RunQuery",
    "check_store_url",
    "default_store_url",
    "open_history",
    "open_store",
    "store_url_of",
]


def default_store_url(working_dir: Path | None = None) -> str:
    """The embedded store of in-process runs: ``.checkfleet/history.db`` under the working
    directory (absolute, so a later ``chdir`` does not move it)."""
    return SQLITE_PREFIX + str((working_dir or Path.cwd()) / DEFAULT_STORE_PATH)


def store_url_of(settings: Settings, working_dir: Path | None = None) -> str:
    """The store a process uses: ``CHECKFLEET_STORE_URL``, else the embedded default."""
    return settings.store_url or default_store_url(working_dir)


async def open_history(url: str) -> ResultStore | None:
    """The store at `url`, opened; None (and a warning) when it cannot be: a run without
    history still runs. Close it when done."""
    store = open_store(url)
    try:
        await store.open()
    except StoreError as exc:
        logger.warning("running without run history: %s", exc)
        return None
    return store


def open_store(url: str) -> ResultStore:
    """The store `url` names, not opened yet (``async with open_store(url) as store``).
    Backends are imported here, lazily: asyncpg loads only for PostgreSQL."""
    check_store_url(url)
    if url.startswith(SQLITE_PREFIX):
        from shared.store.sqlite import SQLiteStore

        return SQLiteStore(url[len(SQLITE_PREFIX) :])
    from shared.store.postgres import PostgresStore

    return PostgresStore(url)
