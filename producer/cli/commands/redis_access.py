"""A Redis client for one CLI command: fails fast with a clear message when Redis is away
(long-lived processes use `shared.redis_connection`, which rides out outages instead)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.errors import BackendUnavailableError
from shared.settings import Settings

CONNECT_TIMEOUT_S = 3.0


def redacted(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


@asynccontextmanager
async def command_redis(settings: Settings) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(settings.redis_url, socket_connect_timeout=CONNECT_TIMEOUT_S)
    try:
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            where = redacted(settings.redis_url)
            raise BackendUnavailableError(
                f"cannot reach Redis at {where} (CHECKFLEET_REDIS_URL): {exc}"
            ) from exc
        yield client
    finally:
        await client.aclose()
