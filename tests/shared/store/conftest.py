"""A fresh results store per test, for each backend: SQLite in `tmp_path`, and a database of
its own on the session's private PostgreSQL (the `postgres_url` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.store import ResultStore, open_store
from tests.support.stores import fresh_postgres_database, sqlite_url

# PostgreSQL joins when the session fixture `postgres_url` is in tests/conftest.py.
BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
async def store_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(request.getfixturevalue("tmp_path"))
        return
    async with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[ResultStore]:
    async with open_store(store_url) as opened:
        yield opened
