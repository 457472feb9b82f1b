"""Acting on runs of the fleet: cancel one (`cancel_run`), run one again (`rerun`: by name,
with the same context, under a fresh run id; never a run of an inline spec).

Cancelling uses arq's abort (`Keys.arq_abort`, what `arq.jobs.Job.abort` writes), decided in
one script so that a worker claiming the job at the same moment cannot slip between the check
and the act:

- a job a worker is running (arq's in-progress lease exists) is put in arq's abort set; the
  worker cancels the task at its next poll and publishes the run's result, an ``error`` whose
  message says it was cancelled (`shared.job.CANCELLED_MESSAGE`);
- a job still waiting is taken off the queue here, and this side publishes that result;
- a run already finished, or unknown, is left alone (`CancelOutcome.state` says which).

Either way exactly one result is published per run id (`shared.publishing`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from pydantic import ValidationError

from shared.checkpoint import new_run_id
from shared.enqueue import enqueue_run
from shared.errors import RunControlError
from shared.job import CANCELLED_MESSAGE, RUN_ID_PATTERN, RunRequest
from shared.models import CheckpointResult
from shared.publishing import ResultPublisher
from shared.serializer import deserialize_job
from shared.settings import Settings
from shared.trust.provenance import origin_for
from shared.validation import error_result

# KEYS: published marker, arq in-progress lease, queue, arq job, arq abort set
# ARGV: job id, now (ms)
_CANCEL = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'finished' end
if redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
    return 'aborting'
end
if redis.call('ZREM', KEYS[3], ARGV[1]) == 1 then
    local job = redis.call('GET', KEYS[4])
    redis.call('DEL', KEYS[4])
    return {'dequeued', job or ''}
end
return 'unknown'
"""


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    run_id: str
    #: ``aborting`` (running: its worker cancels it), ``dequeued`` (was waiting: cancelled
    #: here), ``finished`` (nothing to cancel) or ``unknown`` (no such run now).
    state: str
    #: The cancelled result, when this side published it (``dequeued``).
    result: CheckpointResult | None = None

    def describe(self) -> str:
        return {
            "aborting": f"run {self.run_id} is running: its worker cancels it now",
            "dequeued": f"run {self.run_id} was waiting in the queue: taken off and cancelled",
            "finished": f"run {self.run_id} has finished already: nothing to cancel",
            "unknown": f"no run {self.run_id} is queued or running",
        }[self.state]


def check_run_id(run_id: str) -> str:
    """`run_id` when it is a well-formed run id; `RunControlError` saying what one is."""
    if not re.fullmatch(RUN_ID_PATTERN, run_id):
        raise RunControlError(
            f"{run_id!r} is not a run id: 1-200 letters, digits or _ . : @ / + = -, no spaces"
        )
    return run_id


async def cancel_run(redis: Any, settings: Settings, run_id: str) -> CancelOutcome:
    """Cancel run `run_id` (its arq job id) on the fleet of `settings`."""
    keys = settings.keys
    check_run_id(run_id)
    script = redis.register_script(_CANCEL)
    raw = await script(
        keys=[
            keys.published(run_id),
            keys.arq_in_progress(run_id),
            keys.queue,
            keys.arq_job(run_id),
            keys.arq_abort,
        ],
        args=[run_id, int(time.time() * 1000)],
    )
    if not isinstance(raw, list):
        return CancelOutcome(run_id, raw.decode() if isinstance(raw, bytes) else str(raw))
    name = checkpoint_of_job(raw[1])
    result = error_result(name, run_id=run_id, message=CANCELLED_MESSAGE)
    await ResultPublisher(redis, settings).publish(result)
    return CancelOutcome(run_id, "dequeued", result)


def checkpoint_of_job(job: bytes) -> str:
    """The checkpoint a job's bytes ask for (msgpack only, never unpickled); a placeholder
    for bytes that are not a run request."""
    arguments = deserialize_job(job).get("a") if job else None
    if isinstance(arguments, list | tuple) and arguments:
        try:
            return RunRequest.model_validate(arguments[0]).checkpoint_label
        except ValidationError:
            pass
    return "<unknown checkpoint>"


#: What a re-run's origin names after ``client:``: the run it repeats (`rerun`).
RERUN_ORIGIN = "rerun-of"
#: Checkpoint names of results that name no registered checkpoint (`error_result`'s and
#: `checkpoint_of_job`'s placeholders): nothing to run again by name.
_NO_NAME = ("<inline spec without a name>", "<unknown checkpoint>")


def rerun_request(result: CheckpointResult) -> RunRequest:
    """A request for a new run of `result`'s checkpoint, by name, with the same run context,
    under a fresh run id, its origin ``client:rerun-of:<run id>`` (results carry it as
    `provenance.origin`, so the new result names the run it repeats).

    `RunControlError` for a run of an inline spec: its result does not keep the spec, and the
    checkpoint the workers know by that name (if any) is not what ran."""
    if result.provenance.get("inline") is True or result.checkpoint_name in _NO_NAME:
        raise RunControlError(
            f"run {result.run_id} ran an inline spec that its result does not keep, so it"
            " cannot be re-run from here: submit the spec again from the client that sent it"
        )
    context = result.metadata.get("context")
    return RunRequest(
        checkpoint=result.checkpoint_name,
        run_id=new_run_id(),
        context=context if isinstance(context, dict) else {},
        origin=origin_for("client", f"{RERUN_ORIGIN}:{result.run_id}"),
    )


def rerun_of(result: CheckpointResult) -> str | None:
    """The run id that `result`'s run repeats, when it is a re-run (`rerun_request`)."""
    origin = result.provenance.get("origin")
    prefix = f"client:{RERUN_ORIGIN}:"
    if isinstance(origin, str) and origin.startswith(prefix):
        return origin.removeprefix(prefix) or None
    return None


async def rerun(redis: ArqRedis, settings: Settings, result: CheckpointResult) -> RunRequest:
    """Enqueue `rerun_request(result)` through the one job writer, signed when the fleet has a
    signing key (CHECKFLEET_SIGNING_KEY); the request enqueued. Workers must know the
    checkpoint by name."""
    request = rerun_request(result)
    assert request.run_id is not None
    job = await enqueue_run(redis, settings.keys, request, signing_key=settings.signing_key)
    if job is None:  # a fresh id: only on a collision
        raise RunControlError(f"run id {request.run_id} is taken; try again")
    return request
