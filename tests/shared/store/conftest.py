"""A fresh results store per test, for each backend: SQLite in `tmp_path`, and an empty
database of its own on the session's private PostgreSQL (the `postgres_url` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.store import ResultStore, open_store

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{request.getfixturevalue('tmp_path') / 'history.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[ResultStore]:
    async with open_store(store_url) as opened:
        yield opened
