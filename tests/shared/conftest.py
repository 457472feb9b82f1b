"""Fixtures for shared tests: a client of and an arq pool on the private Redis, a recording
HTTP server, an SMTP server, a checkpoint result."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis

from shared.actions.http import close_http_session
from shared.models import CheckpointResult, CheckpointStatus
from shared.redis_connection import connect_arq
from shared.settings import Settings
from tests.support.http_server import RecordingHTTPServer
from tests.support.results import make_result
from tests.support.smtp_server import LocalSMTPServer


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def http_server() -> Iterator[RecordingHTTPServer]:
    with RecordingHTTPServer() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[LocalSMTPServer]:
    server = LocalSMTPServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
async def _close_shared_http_session() -> AsyncIterator[None]:
    """An HTTP action lazily opens the loop's shared session: close it with the test."""
    yield
    await close_http_session()


@pytest.fixture
def failed_result() -> CheckpointResult:
    return make_result(CheckpointStatus.FAILURE)


@pytest.fixture
def passed_result() -> CheckpointResult:
    return make_result(CheckpointStatus.SUCCESS)


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[ArqRedis]:
    """An arq pool of the fleet (msgpack jobs) on the private Redis."""
    client = await connect_arq(settings)
    yield client
    await client.aclose()
