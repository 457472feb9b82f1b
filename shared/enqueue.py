"""Enqueueing runs: the one place that turns a `RunRequest` into an arq job.

Every producer of runs (the scheduler, the client API, the CLI) calls `enqueue_run`, so every
job carries the same shape, lands on the fleet's queue and wakes idle workers.
"""

from __future__ import annotations

from datetime import datetime

from arq.connections import ArqRedis
from arq.jobs import Job

from shared.job import RUN_CHECKPOINT, RunRequest
from shared.keys import Keys


def job_payload(request: RunRequest) -> dict[str, object]:
    """The single argument of the `run_checkpoint` job: the request without empty fields."""
    return request.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


async def enqueue_run(
    redis: ArqRedis,
    keys: Keys,
    request: RunRequest,
    *,
    job_id: str | None = None,
    defer_until: datetime | None = None,
) -> Job | None:
    """Enqueue `request` as a `run_checkpoint` job with id `job_id` (default: its run id).

    Returns None when a job with that id is queued, running or has a stored result: arq refuses
    it, which is what makes an id derived from the request (a tick, a run id) a deduplication.
    """
    job = await redis.enqueue_job(
        RUN_CHECKPOINT,
        job_payload(request),
        _job_id=job_id or request.run_id,
        _queue_name=keys.queue,
        _defer_until=defer_until,
    )
    if job is not None and defer_until is None:
        await redis.publish(keys.wake, b"")
    return job
