"""Inspecting the arq queue in tests: the queued job ids and their run requests."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from shared.keys import Keys
from shared.serializer import deserialize_job

DEFAULT_KEYS = Keys()


async def queued_job_ids(redis: Redis, keys: Keys = DEFAULT_KEYS) -> list[str]:
    """The ids in the arq queue, oldest first."""
    return [raw.decode() for raw in await redis.zrange(keys.queue, 0, -1)]


async def queued_requests(redis: Redis, keys: Keys = DEFAULT_KEYS) -> dict[str, dict[str, Any]]:
    """Each queued job's run request, by job id, decoded as a worker would."""
    requests: dict[str, dict[str, Any]] = {}
    for job_id in await queued_job_ids(redis, keys):
        raw = await redis.get(Keys.arq_job(job_id))
        assert raw is not None, f"job {job_id} is queued without its arq:job key"
        job = deserialize_job(raw)
        assert job["f"] == "run_checkpoint", job
        (request,) = job["a"]
        requests[job_id] = request
    return requests
