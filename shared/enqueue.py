"""Enqueueing runs: the one place that turns a `RunRequest` into an arq job.

Every producer of runs (the client API, the CLI, benchmarks) calls `enqueue_run` or, for many
at once, `enqueue_runs`, so every job carries the same shape, lands on the fleet's queue and
wakes idle workers. The scheduler's firings are enqueued inside its decision script
(`shared.firing.redis`) with the same job bytes (`run_job_bytes`).

Both write exactly what arq's `ArqRedis.enqueue_job` writes (the job under ``arq:job:<id>``
with arq's expiry, the id in the queue's sorted set) and refuse an id whose job or result
exists, as arq does (the Lua helpers of `shared.arq_protocol`). They do it in one Lua script
per call (per chunk for `enqueue_runs`) that also publishes the wake, instead of arq's
WATCH / EXISTS / MULTI round trips plus a PUBLISH: one round trip per enqueue, and one per
thousand in a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from arq.connections import ArqRedis
from arq.jobs import Job

from shared.arq_protocol import current_ms, job_expiry_ms, job_handle, lua_script, pack_job
from shared.job import RunRequest
from shared.job_names import RUN_CHECKPOINT
from shared.keys import Keys
from shared.serializer import serialize_job
from shared.trust.signing import sign_payload

#: Jobs per script call in `enqueue_runs`: bounds the time one call holds Redis.
ENQUEUE_CHUNK = 1_000

# KEYS: queue, wake channel
# ARGV: publish wake (1/0), then per job: job id, score ms, expiry ms, job bytes
# Returns one 1/0 per job: enqueued, or refused because its job or result exists.
_ENQUEUE = lua_script("""
local enqueued = {}
local any = false
for i = 0, (#ARGV - 1) / 4 - 1 do
    local base = 2 + 4 * i
    local job_id = ARGV[base]
    if not arq_id_taken(job_id) then
        arq_write_job(KEYS[1], job_id, ARGV[base + 3], ARGV[base + 1], ARGV[base + 2])
        enqueued[i + 1] = 1
        any = true
    else
        enqueued[i + 1] = 0
    end
end
if any and ARGV[1] == '1' then
    redis.call('PUBLISH', KEYS[2], '')
end
return enqueued
""")


def job_payload(request: RunRequest, signing_key: str | None = None) -> dict[str, Any]:
    """The single argument of the `run_checkpoint` job: the request without empty fields,
    signed with `signing_key` when one is given (`shared.trust.signing`)."""
    payload = request.model_dump(
        mode="json",
        exclude_none=True,
        exclude_defaults=True,
        exclude={"signed_at", "signature"},
    )
    return sign_payload(signing_key, payload) if signing_key else payload


def run_job_bytes(request: RunRequest, enqueue_ms: int, signing_key: str | None = None) -> bytes:
    """The arq job `run_checkpoint(request)` as arq stores it, in msgpack: the one job shape
    of every enqueue (this module's and the scheduler's `shared.firing.redis`), the request
    signed with `signing_key` when given."""
    payload = job_payload(request, signing_key)
    return pack_job(RUN_CHECKPOINT, [payload], enqueue_ms, serialize_job)


async def enqueue_run(
    redis: ArqRedis,
    keys: Keys,
    request: RunRequest,
    *,
    job_id: str | None = None,
    defer_until: datetime | None = None,
    signing_key: str | None = None,
) -> Job | None:
    """Enqueue `request` as a `run_checkpoint` job with id `job_id` (default: its run id),
    signed with `signing_key` (CHECKFLEET_SIGNING_KEY) when given.

    Returns None when a job with that id is queued, running or has a stored result: arq refuses
    it, which is what makes an id derived from the request (a tick, a run id) a deduplication.
    """
    jobs = await _enqueue_chunk(
        redis,
        keys,
        [(request, job_id or request.run_id)],
        defer_until=defer_until,
        signing_key=signing_key,
    )
    return jobs[0]


async def enqueue_runs(
    redis: ArqRedis,
    keys: Keys,
    requests: Sequence[RunRequest],
    *,
    chunk: int = ENQUEUE_CHUNK,
    signing_key: str | None = None,
) -> list[Job | None]:
    """Enqueue many requests at once, each under its run id (a random id when it has none).

    The same jobs as `enqueue_run`, in one round trip per `chunk` requests and one wake per
    chunk. Returns, in order, the job of each request, or None where an id was refused (also
    a repeated id within `requests`).
    """
    jobs: list[Job | None] = []
    for start in range(0, len(requests), chunk):
        part = [(request, request.run_id) for request in requests[start : start + chunk]]
        jobs.extend(
            await _enqueue_chunk(redis, keys, part, defer_until=None, signing_key=signing_key)
        )
    return jobs


async def _enqueue_chunk(
    redis: ArqRedis,
    keys: Keys,
    items: Sequence[tuple[RunRequest, str | None]],
    *,
    defer_until: datetime | None,
    signing_key: str | None,
) -> list[Job | None]:
    now_ms = current_ms()
    score_ms = round(defer_until.timestamp() * 1000) if defer_until is not None else now_ms
    expiry_ms = job_expiry_ms(score_ms, now_ms)
    job_ids: list[str] = []
    args: list[str | int | bytes] = [0 if defer_until is not None else 1]
    for request, wanted_id in items:
        job_id = wanted_id or uuid4().hex
        job = run_job_bytes(request, now_ms, signing_key)
        job_ids.append(job_id)
        args += [job_id, score_ms, expiry_ms, job]
    enqueued = await redis.register_script(_ENQUEUE)(keys=[keys.queue, keys.wake], args=args)
    return [
        job_handle(redis, job_id, keys.queue) if done else None
        for job_id, done in zip(job_ids, enqueued, strict=True)
    ]
