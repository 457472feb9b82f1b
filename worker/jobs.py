"""The arq job functions of a worker: the public `run_checkpoint` and the internal handler of
jobs whose bytes could not be decoded."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from arq.worker import Retry
from pydantic import ValidationError
from redis.exceptions import RedisError

from shared import codec
from shared.job import CANCELLED_MESSAGE, RunRequest, usable_run_id
from shared.logs import bind_run
from shared.models import CheckpointResult
from shared.redis_connection import access_problem
from shared.validation import error_result
from worker.state import ABORTING_KEY, STATE_KEY, WorkerState

logger = logging.getLogger(__name__)

#: Seconds before arq's job timeout at which a run whose result cannot be published yet is
#: handed back to arq (re-queued) instead of being failed by the timeout.
PUBLISH_MARGIN_S = 5.0


async def run_checkpoint(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
    """Run one checkpoint and publish its result once on the results stream.

    The argument is the request map ``{checkpoint, run_id?, context?}``; a client may also pass
    those as keyword arguments. Returns the result as plain data (arq keeps it for
    ``job.result()``), or a note that the job was dead-lettered.
    """
    started = time.monotonic()  # arq's job timeout counts from about now
    state: WorkerState = ctx[STATE_KEY]
    job_id: str = ctx["job_id"]
    payload = _payload_of(args, kwargs)
    try:
        request = RunRequest.model_validate(payload)
    except ValidationError as exc:
        return await _reject(state, job_id, payload, exc)
    run_id = request.run_id or job_id  # the job id is stable across retries of this job
    heartbeat = state.monitor.heartbeat
    with bind_run(run_id, request.checkpoint_label), state.metrics.track_job():
        reply_to = request.reply_to
        if reply_to is not None and not state.settings.keys.is_reply_stream(reply_to):
            # A worker writes only reply streams of its own fleet, never a key a request names.
            reason = (
                f"job {job_id}: reply_to {reply_to!r} is not a reply stream of this fleet"
                f" (expected {state.settings.keys.replies('<client id>')})"
            )
            result = error_result(request.checkpoint_label, run_id=run_id, message=reason)
            await state.publisher.publish(result)
            state.metrics.record_result(result)
            logger.warning("rejected: %s", reason)
            return result.to_dict()
        heartbeat.jobs_in_progress += 1
        await state.monitor.run_started(job_id)
        try:
            try:
                result = await state.executor.execute_request(
                    request, run_id=run_id, catalog=state.catalog
                )
            except asyncio.CancelledError:
                if job_id in ctx.get(ABORTING_KEY, ()):  # an operator's cancel, not a shutdown
                    await _publish_cancelled(state, request, run_id)
                raise
            # Counted and logged before publishing: a client that sees the result sees a job
            # that is about to end, not one still doing bookkeeping.
            state.metrics.record_result(result)
            logger.info(
                "run finished: %s in %.0f ms, %d issues%s",
                result.status.value,
                result.duration_ms,
                len(result.issues),
                f"; error: {result.error}" if result.error else "",
            )
            await publish_until_accepted(state, result, reply_to, started)
        finally:
            heartbeat.jobs_in_progress -= 1
            await state.monitor.run_ended(job_id)
        heartbeat.jobs_done += 1
    return result.to_dict()


async def publish_until_accepted(
    state: WorkerState, result: CheckpointResult, reply_to: str | None, started: float
) -> None:
    """Publish, retrying while Redis refuses the write (``OOM``, ``READONLY``) or is away
    beyond the client's own retries: the result stays in memory. Shortly before arq's job
    timeout the job is handed back to arq for a later retry instead (its result is then
    published by that run, once)."""
    deadline = started + state.settings.job_timeout_s - PUBLISH_MARGIN_S
    delay_s = 0.5
    while True:
        try:
            await state.publisher.publish(result, reply_to=reply_to)
            return
        except (RedisError, OSError) as exc:
            if access_problem(exc) is not None:
                raise
            if time.monotonic() + delay_s >= deadline:
                logger.warning("cannot publish the result (%s); handing the run back", exc)
                raise Retry(defer=PUBLISH_MARGIN_S) from exc
            logger.warning("cannot publish the result yet (%s); retrying in %.1f s", exc, delay_s)
            await asyncio.sleep(delay_s)
            delay_s = min(delay_s * 2, 10.0)


async def _publish_cancelled(state: WorkerState, request: RunRequest, run_id: str) -> None:
    result = error_result(request.checkpoint_label, run_id=run_id, message=CANCELLED_MESSAGE)
    await state.publisher.publish(result, reply_to=request.reply_to)
    state.metrics.record_result(result)
    logger.info("run cancelled by an operator")


async def _reject(state: WorkerState, job_id: str, payload: Any, error: ValidationError) -> Any:
    reason = f"job {job_id}: the run request does not match the job contract: {_describe(error)}"
    run_id = usable_run_id(payload)
    if run_id is None:
        await state.publisher.dead_letter(reason, _bytes_of(payload), source="job", job_id=job_id)
        return {"dead_lettered": reason}
    name = payload.get("checkpoint") if isinstance(payload, dict) else None
    label = name if isinstance(name, str) and name else "<unknown>"
    result: CheckpointResult = error_result(label, run_id=run_id, message=reason)
    with bind_run(run_id, label):
        await state.publisher.publish(result)
        state.metrics.record_result(result)
        logger.warning("rejected: %s", reason)
    return result.to_dict()


def _payload_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1 and not kwargs:
        return args[0]
    if kwargs and not args:
        return kwargs
    return {"arguments": list(args), "keyword arguments": kwargs}  # fails the schema, reported


async def handle_undecodable_job(ctx: dict[Any, Any], envelope: dict[str, Any]) -> Any:
    """Dead-letter a job whose bytes were not a msgpack arq job (see `shared.serializer`)."""
    state: WorkerState = ctx[STATE_KEY]
    job_id: str = ctx["job_id"]
    reason = f"job {job_id}: undecodable payload: {envelope.get('reason', 'unknown reason')}"
    raw = envelope.get("raw", b"")
    await state.publisher.dead_letter(
        reason, raw if isinstance(raw, bytes) else b"", source="job", job_id=job_id
    )
    return {"dead_lettered": reason}


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'payload'}: {item['msg']}"
        for item in error.errors()
    )


def _bytes_of(payload: Any) -> bytes:
    try:
        return codec.packb(payload)
    except TypeError:
        return repr(payload).encode()
