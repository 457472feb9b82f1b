"""arq worker settings for a checkfleet worker process.

arq reads `WorkerSettings` from the class ``__dict__``: plain attributes, no inheritance.
`build_worker_settings` makes such a class from a `Settings`, so tests and the CLI can build
workers for any Redis while ``arq worker.WorkerSettings`` uses the environment. It holds arq's
options (`worker_options`, what arq's own `Worker` takes, as tests and the raw arq benchmark
use) and those of checkfleet's worker (`waking_worker_options`), which both entry points run.

Building them imports neither polars nor aiohttp: every liveness probe imports this package
(``arq worker.WorkerSettings --check``, ``python -m worker --check``) and should not pay for
them. The job functions and the start-up and shutdown hooks registered here load their
implementations (`worker.jobs`, `worker.lifecycle`) when a worker starts; a test keeps it so.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Any

from arq import func

from shared.job_names import RUN_CHECKPOINT, UNDECODABLE_JOB
from shared.redis_connection import arq_redis_settings
from shared.serializer import deserialize_job, serialize_job
from shared.settings import Settings

if TYPE_CHECKING:
    from worker.lifecycle import Hook

#: arq's try limit of checkfleet jobs: never reached in practice (see `worker_options`).
ARQ_MAX_TRIES = 1_000
#: Seconds between health-check writes that ``arq worker.WorkerSettings --check`` reads.
HEALTH_CHECK_INTERVAL_S = 15


async def run_checkpoint(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
    """`worker.jobs.run_checkpoint`, imported at the first job."""
    from worker import jobs  # here, not above: it loads polars and aiohttp

    return await jobs.run_checkpoint(ctx, *args, **kwargs)


async def handle_undecodable_job(ctx: dict[Any, Any], envelope: dict[str, Any]) -> Any:
    """`worker.jobs.handle_undecodable_job`, imported at the first job."""
    from worker import jobs  # here, not above: it loads polars and aiohttp

    return await jobs.handle_undecodable_job(ctx, envelope)


def deferred_lifecycle_hooks(settings: Settings) -> tuple[Hook, Hook]:
    """`worker.lifecycle.lifecycle_hooks(settings)`, imported when the worker starts."""
    loaded: list[Hook] = []

    def hooks() -> list[Hook]:
        if not loaded:
            from worker.lifecycle import lifecycle_hooks  # loads polars and aiohttp

            importlib.import_module("worker.jobs")  # at start-up, not in the first job's time
            loaded.extend(lifecycle_hooks(settings))
        return loaded

    async def on_startup(ctx: dict[str, Any]) -> None:
        await hooks()[0](ctx)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await hooks()[1](ctx)

    return on_startup, on_shutdown


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of `arq.worker.Worker` for a checkfleet worker."""
    on_startup, on_shutdown = deferred_lifecycle_hooks(settings)
    return {
        "functions": [
            # Deaths are counted and bounded by checkfleet (worker.run_records), and graceful
            # re-queues are no failures: arq's own try limit must never drop a run silently.
            func(run_checkpoint, name=RUN_CHECKPOINT, max_tries=ARQ_MAX_TRIES),
            func(handle_undecodable_job, name=UNDECODABLE_JOB, max_tries=ARQ_MAX_TRIES),
        ],
        "queue_name": settings.keys.queue,
        "redis_settings": arq_redis_settings(settings),
        "job_serializer": serialize_job,
        "job_deserializer": functools.partial(
            deserialize_job,
            max_bytes=settings.max_request_bytes,
            functions=frozenset({RUN_CHECKPOINT}),
        ),
        "max_jobs": settings.worker_concurrency,
        "job_timeout": settings.job_timeout_s,
        "keep_result": settings.result_ttl_s,
        # arq would repr() every result for its log line even when INFO is not logged; the
        # result is on the results stream already.
        "log_results": False,
        "allow_abort_jobs": True,
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
        "health_check_key": settings.keys.health_check,
        # On SIGTERM: stop taking jobs, let the ones in flight finish for this long, then
        # cancel them; arq re-queues cancelled jobs, so another worker runs them.
        "job_completion_wait": settings.graceful_shutdown_s,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
    }


def waking_worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of `worker.waking.WakingWorker`: arq's, and its own (the wake
    channel, the idle poll, and the settings its start-up opens the pool from)."""
    return {
        **worker_options(settings),
        "wake_channel": settings.keys.wake,
        "idle_poll_s": settings.idle_poll_s,
        "fleet_settings": settings,
    }


def build_worker_settings(settings: Settings) -> type:
    """A flat `WorkerSettings` class, as arq expects, for `settings`."""
    return type("WorkerSettings", (), {"__module__": __name__, **waking_worker_options(settings)})
