"""The scheduler as a process: settings in, signals handled, exit code out."""

from __future__ import annotations

import asyncio
import logging
import signal

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from producer.scheduler.requests import ReadHook
from producer.scheduler.scheduler import Scheduler, SchedulerOptions
from shared.checkpoint import Checkpoint
from shared.definitions import load_checkpoints
from shared.metrics import SchedulerMetrics, serve_metrics
from shared.plugins import import_plugins
from shared.settings import Settings

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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    metrics = SchedulerMetrics()
    metrics_server = serve_metrics(metrics.registry, settings.metrics_port)
    try:
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
        if metrics_server is not None:
            metrics_server.close()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await redis.aclose()
