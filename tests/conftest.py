"""Fixtures every test may use: the private Redis server and its URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.settings import Settings
from tests.support.access import (
    other_host_tls_server,
    password_server,
    tls_files,
    tls_server,
)
from tests.support.redis_server import RedisServer

#: Servers that refuse clients (password, TLS), for the access tests of every package.
__all__ = ["other_host_tls_server", "password_server", "tls_files", "tls_server"]


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
