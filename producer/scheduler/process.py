"""The scheduler as a process: settings in, signals handled, exit code out."""

from __future__ import annotations

import asyncio
import logging
import signal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from producer.scheduler.requests import ReadHook
from producer.scheduler.scheduler import Scheduler, SchedulerOptions
from shared.checkpoint import Checkpoint
from shared.definitions import load_checkpoints
from shared.epoch import EpochWatch
from shared.errors import RedisAccessError
from shared.metrics import SchedulerMetrics, serve_metrics
from shared.plugins import import_plugins
from shared.redis_connection import SCHEDULER, access_problem, open_redis
from shared.settings import Settings

logger = logging.getLogger(__name__)


def load(settings: Settings) -> list[Checkpoint]:
    """The checkpoints of ``CHECKFLEET_CHECKPOINTS`` (none when it is unset)."""
    import_plugins(settings.plugins)
    if not settings.checkpoints:
        logger.warning("CHECKFLEET_CHECKPOINTS is not set: serving requests only")
        return []
    return load_checkpoints(settings.checkpoints)


async def watch_redis(redis: Redis, settings: Settings, stop: asyncio.Event) -> None:
    """Every heartbeat interval: log an ERROR when Redis lost its data (`shared.epoch`); stop
    the scheduler with `RedisAccessError` when Redis starts refusing it (a rotated password)."""
    epoch = EpochWatch(
        redis,
        settings.keys,
        role="scheduler",
        what_else="the scheduler's markers of fired runs and last ticks: triggers fire from now",
    )
    while True:
        try:
            await epoch.check()
        except (RedisError, OSError) as exc:
            problem = access_problem(exc)
            if problem is not None:
                logger.error("scheduler stopping: %s", problem)
                stop.set()
                raise RedisAccessError(problem) from None
            # an outage: the scheduler's own loops report it
        await asyncio.sleep(settings.heartbeat_s)


async def serve(
    settings: Settings, options: SchedulerOptions, *, on_request_read: ReadHook | None = None
) -> None:
    """Run a scheduler until SIGTERM or SIGINT."""
    checkpoints = load(settings)
    # A refused password or certificate ends the process here (RedisAccessError, exit 2); an
    # unreachable Redis is waited for.
    redis = await open_redis(settings, SCHEDULER)
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
        watch = asyncio.create_task(watch_redis(redis, settings, stop), name="redis watch")
        try:
            await scheduler.run(stop)
        finally:
            watch.cancel()
        refused = await asyncio.gather(watch, return_exceptions=True)
        if isinstance(refused[0], RedisAccessError):
            raise refused[0]
    finally:
        if metrics_server is not None:
            metrics_server.close()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await redis.aclose()
