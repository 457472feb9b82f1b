"""Fixtures every test may use: the private Redis server and its URL; and every test leaves
the type registries as it found them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.registry import Registry
from shared.settings import Settings
from shared.specs import ACTIONS, STRATEGIES, TRIGGERS
from shared.validators import VALIDATORS
from tests.support.redis_server import RedisServer


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


_REGISTRIES: tuple[Registry[type], ...] = (ACTIONS, TRIGGERS, STRATEGIES, VALIDATORS)


@pytest.fixture(autouse=True)
def _restore_registries() -> Iterator[None]:
    """Types a test defines (the seed page's examples define the same names in several tests)
    are forgotten after it: a second class under a taken name is an error."""
    saved = [dict(registry._entries) for registry in _REGISTRIES]
    yield
    for registry, entries in zip(_REGISTRIES, saved, strict=True):
        registry._entries = entries
