"""A fresh, open results store per test, for each backend (`store_url` of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.store import ResultStore, open_store


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[ResultStore]:
    async with open_store(store_url) as opened:
        yield opened
