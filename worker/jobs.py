"""The arq job functions of a worker: the public `run_checkpoint` and the internal handler of
jobs whose bytes could not be decoded.

`run_checkpoint` is the trust boundary of a worker (docs/security.md): whatever a job holds,
it ends in exactly one result or one dead letter, and nothing raises out of it but
cancellation, so no job can take the worker down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from arq.worker import Retry
from pydantic import ValidationError
from redis.exceptions import RedisError

from shared import codec
from shared.errors import SignatureError
from shared.job import CANCELLED_MESSAGE, RunRequest, is_run_id, usable_run_id
from shared.logs import bind_run, escape_control
from shared.models import CheckpointResult
from shared.redis_connection import access_problem
from shared.trust.provenance import provenance, spec_hash
from shared.trust.signing import verify_payload
from shared.validation import error_result
from worker.poison import dead_letter_job
from worker.state import ABORTING_KEY, STATE_KEY, WorkerState

logger = logging.getLogger(__name__)

#: Seconds before arq's job timeout at which a run whose result cannot be published yet is
#: handed back to arq (re-queued) instead of being failed by the timeout.
PUBLISH_MARGIN_S = 5.0


async def run_checkpoint(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
    """Run one checkpoint and publish its result once on the results stream.

    The argument is the request map ``{checkpoint, run_id?, context?, ...}``; a client may
    also pass those as keyword arguments. Returns a small summary (``run_id``, ``status``)
    that arq keeps for ``job.result()``, or a note that the job was dead-lettered.
    """
    started = time.monotonic()  # arq's job timeout counts from about now
    state: WorkerState = ctx[STATE_KEY]
    job_id: str = ctx["job_id"]
    payload = _payload_of(args, kwargs)
    try:
        return await _run(state, ctx, job_id, payload, started)
    except (asyncio.CancelledError, Retry):  # arq's own control flow: re-queued, not failed
        raise
    except BaseException as exc:  # the last line: a job never takes the worker down
        logger.exception("job %s crashed its handler", escape_control(job_id))
        reason = f"job {job_id!r}: could not be handled: {type(exc).__name__}: {exc}"
        fallback = job_id if is_run_id(job_id) else None
        return await _refuse(
            state, job_id, payload, reason, run_id=usable_run_id(payload) or fallback
        )


async def _run(
    state: WorkerState, ctx: dict[Any, Any], job_id: str, payload: Any, started: float
) -> Any:
    """`_checked_run`, and the job's start record ended however it ends (its claim recorded
    the start, `worker.claims`)."""
    try:
        summary = await _checked_run(state, ctx, job_id, payload, started)
    except (asyncio.CancelledError, Retry):
        await asyncio.shield(state.runs.interrupted(job_id))  # re-queued, not a death
        raise
    except BaseException:
        await state.runs.finished(job_id)
        raise
    await state.runs.finished(job_id)
    return summary


async def _checked_run(
    state: WorkerState, ctx: dict[Any, Any], job_id: str, payload: Any, started: float
) -> Any:
    if not is_run_id(job_id):
        reason = f"job id {job_id!r} does not match the run-id pattern"
        return await _dead_letter(state, job_id, payload, reason)
    signed = False
    if state.settings.signing_key is not None:
        try:
            if not isinstance(payload, dict):
                raise SignatureError("unsigned: the run request is not a map")
            verify_payload(
                state.settings.signing_key, payload, max_age_s=state.settings.signature_max_age_s
            )
        except SignatureError as exc:
            return await _dead_letter(state, job_id, payload, f"job {job_id}: {exc}")
        signed = True
    try:
        request = RunRequest.model_validate(payload)
    except ValidationError as exc:
        reason = f"job {job_id}: the run request does not match the job contract: {_describe(exc)}"
        return await _refuse(state, job_id, payload, reason, always_dead_letter=False)
    deaths = await state.runs.started(job_id)
    if deaths >= state.settings.max_worker_deaths:
        reason = (
            f"job {job_id}: its worker died {deaths} times running it"
            f" (CHECKFLEET_MAX_WORKER_DEATHS={state.settings.max_worker_deaths});"
            " not running it again"
        )
        return await _refuse(state, job_id, payload, reason, run_id=request.run_id or job_id)
    if deaths:
        logger.warning(
            "job %s: running it again after %d worker deaths (dead-lettered at %d)",
            job_id,
            deaths,
            state.settings.max_worker_deaths,
        )
    return await _execute(state, ctx, job_id, request, signed=signed, started=started)


async def _execute(
    state: WorkerState,
    ctx: dict[Any, Any],
    job_id: str,
    request: RunRequest,
    *,
    signed: bool,
    started: float,
) -> dict[str, Any]:
    run_id = request.run_id or job_id  # the job id is stable across retries of this job
    heartbeat = state.monitor.heartbeat
    inline = isinstance(request.checkpoint, dict)
    with bind_run(run_id, request.checkpoint_label), state.metrics.track_job():
        reply_to = request.reply_to
        if reply_to is not None and not state.settings.keys.is_reply_stream(reply_to):
            # A worker writes only reply streams of its own fleet, never a key a request names.
            reason = (
                f"job {job_id}: reply_to {reply_to!r} is not a reply stream of this fleet"
                f" (expected {state.settings.keys.replies('<client id>')})"
            )
            result = error_result(request.checkpoint_label, run_id=run_id, message=reason)
            await _publish(state, result, request, signed=signed)
            logger.warning("rejected: %s", reason)
            return _summary(result)
        heartbeat.jobs_in_progress += 1
        try:
            # A signed inline spec is trusted; an unsigned one runs under the worker's policy.
            policy = None if signed or not inline else state.policy
            try:
                result = await state.executor.execute_request(
                    request,
                    run_id=run_id,
                    catalog=state.catalog,
                    policy=policy,
                    max_timeout_s=state.max_run_s,
                )
            except asyncio.CancelledError:
                if job_id in ctx.get(ABORTING_KEY, ()):  # an operator's cancel, not a shutdown
                    await _publish_cancelled(state, request, run_id, signed=signed)
                raise
            logger.info(
                "run finished: %s in %.0f ms, %d issues%s",
                result.status.value,
                result.duration_ms,
                len(result.issues),
                f"; error: {result.error}" if result.error else "",
            )
            await _publish(
                state, result, request, signed=signed, reply_to=reply_to, run=(job_id, started)
            )
        finally:
            heartbeat.jobs_in_progress -= 1
        heartbeat.jobs_done += 1
    return _summary(result)


async def _publish(
    state: WorkerState,
    result: CheckpointResult,
    request: RunRequest,
    *,
    signed: bool,
    reply_to: str | None = None,
    run: tuple[str, float] | None = None,
) -> None:
    """Publish `result` with its provenance; from a run (`run`: its job id and when it
    started), retried while Redis refuses the write (`publish_until_accepted`)."""
    inline = isinstance(request.checkpoint, dict)
    result.provenance = provenance(
        request.origin, signed=signed, inline=inline, hashed=_spec_hash_of(state, request)
    )
    # Counted before publishing: a client that sees the result sees a job about to end.
    state.metrics.record_result(result)
    if run is None:
        await state.publisher.publish(result, reply_to=reply_to)
    else:
        await publish_until_accepted(state, result, reply_to, *run)


async def publish_until_accepted(
    state: WorkerState,
    result: CheckpointResult,
    reply_to: str | None,
    job_id: str,
    started: float,
) -> None:
    """Publish the result of job `job_id`, ending the job's record in the same step, and
    retry while Redis refuses the write (``OOM``, ``READONLY``) or is away beyond the
    client's own retries: the result stays in memory. Shortly before arq's job timeout the
    job is handed back to arq for a later retry instead (its result is then published by that
    run, once)."""
    deadline = started + state.settings.job_timeout_s - PUBLISH_MARGIN_S
    delay_s = 0.5
    ending = state.runs.ending(job_id)
    while True:
        try:
            await state.publisher.publish(result, reply_to=reply_to, ending=ending)
            state.runs.ended(job_id)
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


async def _publish_cancelled(
    state: WorkerState, request: RunRequest, run_id: str, *, signed: bool
) -> None:
    result = error_result(request.checkpoint_label, run_id=run_id, message=CANCELLED_MESSAGE)
    await _publish(state, result, request, signed=signed, reply_to=request.reply_to)
    logger.info("run cancelled by an operator")


def _spec_hash_of(state: WorkerState, request: RunRequest) -> str | None:
    if isinstance(request.checkpoint, dict):
        return spec_hash(request.checkpoint)
    return state.registered_spec_hash(request.checkpoint)


def _summary(result: CheckpointResult) -> dict[str, Any]:
    # arq keeps this as the job's result: small, never a second copy of the whole result.
    return {"run_id": result.run_id, "status": result.status.value}


async def _refuse(
    state: WorkerState,
    job_id: str,
    payload: Any,
    reason: str,
    *,
    run_id: str | None = None,
    always_dead_letter: bool = True,
) -> Any:
    """One `error` result under a usable run id (given, else the payload's), and one dead
    letter (without a run id, or with `always_dead_letter`: poison the operator must see)."""
    run_id = run_id or usable_run_id(payload)
    if run_id is None:
        return await _dead_letter(state, job_id, payload, reason)
    if always_dead_letter:
        await state.publisher.dead_letter(reason, _bytes_of(payload), source="job", job_id=job_id)
    name = payload.get("checkpoint") if isinstance(payload, dict) else None
    if isinstance(name, dict):
        name = name.get("name")
    label = name if isinstance(name, str) and name else "<unknown>"
    result: CheckpointResult = error_result(label, run_id=run_id, message=reason)
    with bind_run(run_id, label):
        state.metrics.record_result(result)
        ending = state.runs.held_ending(job_id)  # the job's record ends with its result
        await state.publisher.publish(result, ending=ending)
        if ending is not None:
            state.runs.ended(job_id)
        logger.warning("rejected: %s", reason)
    return _summary(result)


async def _dead_letter(state: WorkerState, job_id: str, payload: Any, reason: str) -> Any:
    await dead_letter_job(state, job_id, reason, _bytes_of(payload))
    return {"dead_lettered": reason}


def _payload_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1 and not kwargs:
        return args[0]
    if kwargs and not args:
        return kwargs
    return {"arguments": list(args), "keyword arguments": kwargs}  # fails the schema, reported


async def handle_undecodable_job(ctx: dict[Any, Any], envelope: dict[str, Any]) -> Any:
    """Dead-letter a job that `shared.serializer` could not turn into a call (bad bytes, a bad
    shape, or a job naming this internal function itself: the envelope is always ours)."""
    state: WorkerState = ctx[STATE_KEY]
    job_id: str = ctx["job_id"]
    reason = f"job {job_id!r}: undecodable payload: {envelope.get('reason', 'unknown reason')}"
    raw = envelope.get("raw", b"")
    await dead_letter_job(state, job_id, reason, raw if isinstance(raw, bytes) else b"")
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
