"""arq worker settings for a checkfleet worker process.

arq reads `WorkerSettings` from the class ``__dict__``: plain attributes, no inheritance.
`build_worker_settings` makes such a class from a `Settings`, so tests and the CLI can build
workers for any Redis while ``arq worker.WorkerSettings`` uses the environment.
"""

from __future__ import annotations

import functools
from typing import Any

from arq import func

from shared.job import RUN_CHECKPOINT, UNDECODABLE_JOB
from shared.redis_connection import arq_redis_settings
from shared.serializer import deserialize_job, serialize_job
from shared.settings import Settings
from worker.jobs import handle_undecodable_job, run_checkpoint
from worker.lifecycle import lifecycle_hooks

#: arq's try limit of checkfleet jobs: never reached in practice (see `worker_options`).
ARQ_MAX_TRIES = 1_000
#: Seconds between health-check writes that ``arq worker.WorkerSettings --check`` reads.
HEALTH_CHECK_INTERVAL_S = 15


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of `arq.worker.Worker` for a checkfleet worker."""
    on_startup, on_shutdown = lifecycle_hooks(settings)
    return {
        "functions": [
            # Deaths are counted and bounded by checkfleet (worker.deaths), and graceful
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


def build_worker_settings(settings: Settings) -> type:
    """A flat `WorkerSettings` class, as arq expects, for `settings`."""
    return type("WorkerSettings", (), {"__module__": __name__, **worker_options(settings)})
