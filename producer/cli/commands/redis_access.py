"""A Redis client for one CLI command: fails fast with a clear message when Redis is away or
refuses the client (`shared.redis_connection.ONE_SHOT`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from shared.redis_connection import ONE_SHOT, open_redis
from shared.settings import Settings


@asynccontextmanager
async def command_redis(settings: Settings) -> AsyncIterator[Redis]:
    """An open, checked client: `BackendUnavailableError` when Redis does not answer,
    `RedisAccessError` when it refuses the password or the certificate."""
    client = await open_redis(settings, ONE_SHOT)
    try:
        yield client
    finally:
        await client.aclose()
