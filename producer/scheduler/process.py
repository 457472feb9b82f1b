"""The scheduler as a process: settings in, signals handled, exit code out."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from producer.scheduler.requests import ReadHook
from producer.scheduler.scheduler import Scheduler, SchedulerOptions
from shared.checkpoint import Checkpoint
from shared.definitions import load_checkpoints
from shared.metrics import SchedulerMetrics
from shared.plugins import import_plugins
from shared.settings import Settings
from shared.stopping import serving_until_signalled

logger = logging.getLogger(__name__)

#: Attempts of one command before the error reaches the scheduler's loops. Deliberately fewer
#: than `shared.redis_connection.RECONNECT_ATTEMPTS`: the loops log the outage and back off
#: themselves, and a firing kept for retry loses nothing, so a long silent retry buys nothing.
COMMAND_ATTEMPTS = 3


def connect(settings: Settings) -> Redis:
    """The scheduler's Redis client: rides out a blip, reports an outage quickly."""
    client: Redis = Redis.from_url(
        settings.redis_url,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), COMMAND_ATTEMPTS),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_connect_timeout=2.0,
        health_check_interval=10,
    )
    return client


def load(settings: Settings) -> list[Checkpoint]:
    """The checkpoints of ``CHECKFLEET_CHECKPOINTS`` (none when it is unset)."""
    import_plugins(settings.plugins)
    if not settings.checkpoints:
        logger.warning("CHECKFLEET_CHECKPOINTS is not set: serving requests only")
        return []
    return load_checkpoints(settings.checkpoints)


async def serve(
    settings: Settings, options: SchedulerOptions, *, on_request_read: ReadHook | None = None
) -> None:
    """Run a scheduler until SIGTERM or SIGINT."""
    checkpoints = load(settings)
    redis = connect(settings)
    metrics = SchedulerMetrics()
    try:
        with serving_until_signalled(metrics.registry, settings.metrics_port) as stop:
            scheduler = Scheduler(
                settings,
                checkpoints,
                redis,
                options,
                on_request_read=on_request_read,
                metrics=metrics,
            )
            await scheduler.run(stop)
    finally:
        await redis.aclose()
