"""How checkfleet connects to Redis: one place that turns settings into connection options,
including the retry policy that lets a process ride out a Redis restart."""

from __future__ import annotations

import dataclasses

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError, TimeoutError

from shared.serializer import deserialize_job, serialize_job
from shared.settings import Settings

#: Attempts per command during an outage; with the backoff capped at 2 s this rides out about
#: a minute of Redis being away before the error reaches the caller (and the supervisor).
RECONNECT_ATTEMPTS = 30
_RETRIABLE: list[type[Exception]] = [ConnectionError, TimeoutError]


def reconnect_policy() -> Retry:
    # OSError too: a refused connect (Redis restarting) surfaces as ConnectionRefusedError
    # inside redis-py's connect retry, which by default retries only its own error types.
    return Retry(
        ExponentialWithJitterBackoff(base=0.05, cap=2.0),
        RECONNECT_ATTEMPTS,
        supported_errors=(ConnectionError, TimeoutError, OSError),  # type: ignore[arg-type]
    )


#: With ``fail_fast``: seconds to connect and attempts per command (a page, not a worker).
FAIL_FAST_TIMEOUT_S = 2.0
FAIL_FAST_ATTEMPTS = 1


def arq_redis_settings(settings: Settings, *, fail_fast: bool = False) -> RedisSettings:
    """arq's connection settings for the fleet's Redis, with the reconnect policy; with
    `fail_fast`, an outage reaches the caller within seconds instead of riding it out (for
    processes that answer people, like the dashboard)."""
    base = RedisSettings.from_dsn(settings.redis_url)
    if fail_fast:
        return dataclasses.replace(
            base,
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), FAIL_FAST_ATTEMPTS),
            retry_on_error=list(_RETRIABLE),
            conn_timeout=int(FAIL_FAST_TIMEOUT_S),
            conn_retries=0,
        )
    return dataclasses.replace(
        base,
        retry=reconnect_policy(),
        retry_on_error=list(_RETRIABLE),
        conn_retries=10,
    )


def connect(settings: Settings) -> Redis:
    """A redis-py asyncio client for the fleet's Redis, with the reconnect policy."""
    client: Redis = Redis.from_url(
        settings.redis_url, retry=reconnect_policy(), retry_on_error=list(_RETRIABLE)
    )
    return client


async def connect_arq(settings: Settings, *, fail_fast: bool = False) -> ArqRedis:
    """An arq pool for the fleet: msgpack jobs, the fleet's queue, the reconnect policy (see
    `arq_redis_settings` for `fail_fast`). Raises when Redis does not answer."""
    return await create_pool(
        arq_redis_settings(settings, fail_fast=fail_fast),
        job_serializer=serialize_job,
        job_deserializer=deserialize_job,
        default_queue_name=settings.keys.queue,
    )
