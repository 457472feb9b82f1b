"""Fixtures every test may use: the private Redis, PostgreSQL and S3 servers and their URLs,
and a headless browser page (``browser_page``, from `tests.support.browser`); and every test
leaves the type registries as it found them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

# Registers every built-in action, trigger, strategy and validator before the first snapshot
# of `_restore_registries`: a family first imported inside a test would be forgotten after it
# (`import worker` no longer loads them).
import shared.checkpoint  # noqa: F401
from shared.registry import Registry
from shared.settings import Settings
from shared.specs import ACTIONS, STRATEGIES, TRIGGERS
from shared.validators import VALIDATORS
from tests.support.postgres_server import PostgresServer
from tests.support.redis_server import RedisServer
from tests.support.s3_server import S3Server

#: The headless browser, and Redis servers that refuse clients (password, TLS).
pytest_plugins = ["tests.support.browser", "tests.support.access"]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server for the whole session, on a free port, stopped at the end."""
    try:
        server = RedisServer()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The private server's URL, running and empty at the start of each test."""
    if not redis_server.running:  # a fault test may have left it stopped
        redis_server.start()
    redis_server.flush()
    yield redis_server.url


@pytest.fixture
def settings(redis_url: str) -> Settings:
    """Settings pointing at the private server, as an entry point would build them."""
    return Settings.from_env({"CHECKFLEET_REDIS_URL": redis_url})


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    """A plain redis-py client of the private server."""
    client = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster (initdb in a temp dir) on a free port, for the session."""
    try:
        server = PostgresServer()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the private cluster; its URL carries the test password."""
    if not postgres_server.running:  # a fault test may have left it stopped
        postgres_server.start()
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3 API (moto in server mode) on a free loopback port, for the session."""
    server = S3Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


_REGISTRIES: tuple[Registry[type], ...] = (ACTIONS, TRIGGERS, STRATEGIES, VALIDATORS)


@pytest.fixture(autouse=True)
def _restore_registries() -> Iterator[None]:
    """Types a test defines (the seed page's examples define the same names in several tests)
    are forgotten after it: a second class under a taken name is an error."""
    saved = [dict(registry._entries) for registry in _REGISTRIES]
    yield
    for registry, entries in zip(_REGISTRIES, saved, strict=True):
        registry._entries = entries
