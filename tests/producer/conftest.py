"""Fixtures of the scheduler tests: a Redis client, definition files, queue inspection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.keys import Keys
from shared.serializer import deserialize_job
from shared.settings import Settings

DEFAULT_KEYS = Keys()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


def write_definitions(directory: Path, checkpoints: list[dict[str, Any]]) -> str:
    """A definition file of `checkpoints` (each gets a small CSV source and a validator)."""
    data = directory / "data.csv"
    data.write_text("id,amount\n1,2.5\n2,3.0\n")
    specs = [{"data_source": str(data), "validators": ["null"], **spec} for spec in checkpoints]
    path = directory / "checkpoints.json"
    path.write_text(json.dumps({"checkpoints": specs}))
    return str(path)


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
