"""Jobs arq itself cannot run: an id that is not a run id (or not even text), a job key of the
wrong Redis type, a job key gone missing, a try limit reached. arq would raise out of its main
loop for some (and crash the worker at every lease expiry) and drop the others silently;
`worker.waking.WakingWorker` hands each to `drop_poison_job` instead: one dead letter, and the
job removed from the queue with its keys, so it is not tried again.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.keys import Keys
from shared.logs import escape_control
from worker.state import STATE_KEY, WorkerState

logger = logging.getLogger(__name__)


async def dead_letter_job(state: WorkerState, job_id: str, reason: str, payload: bytes) -> None:
    """The dead letter of job `job_id`, which ends the job's start record in the same step."""
    ending = state.runs.held_ending(job_id)
    if ending is None:
        await state.publisher.dead_letter(reason, payload, source="job", job_id=job_id)
        return
    await state.publisher.dead_letter_job(reason, payload, ending)
    state.runs.ended(job_id)


def readable_id(job_id: bytes | str) -> str:
    """A job id as text for messages, whatever bytes it holds."""
    if isinstance(job_id, bytes):
        job_id = job_id.decode("utf-8", "backslashreplace")
    return escape_control(job_id)[:300]


async def drop_poison_job(
    redis: Redis, ctx: dict[Any, Any], queue: str, job_id: bytes | str, reason: str
) -> None:
    """Remove a job arq cannot run, and its arq keys; the worker that removed it from the queue
    (several may see it at once) dead-letters it, once."""
    raw_id = job_id if isinstance(job_id, bytes) else job_id.encode("utf-8", "surrogateescape")
    state: WorkerState | None = ctx.get(STATE_KEY)
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zrem(queue, raw_id)
            pipe.delete(*Keys.arq_job_keys(raw_id))
            if state is not None:  # the start its claim recorded (`worker.claims`)
                keys = state.settings.keys
                pipe.delete(keys.job_starts("").encode() + raw_id)
                pipe.hdel(keys.running, raw_id)  # type: ignore[arg-type]
            removed = (await pipe.execute())[0]
        if not removed:
            return  # another worker dropped it first
        if state is not None:
            await state.publisher.dead_letter(reason, b"", source="job", job_id=readable_id(job_id))
        else:
            logger.error("cannot run job %s: %s", readable_id(job_id), escape_control(reason))
    except (RedisError, OSError) as exc:  # Redis away: the job stays queued for another try
        logger.warning("cannot drop poison job %s: %s", readable_id(job_id), exc)
