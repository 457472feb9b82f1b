"""arq's `job_serializer` / `job_deserializer` over msgpack, so nothing in Redis is pickled.

arq stores each job as a map ``{t: try, f: function, a: args, k: kwargs, et: enqueue ms}`` and
each job result as a map that may hold an exception (the layout: `shared.arq_protocol`).
Exceptions travel as ``{"error_type": ..., "message": ...}``: plain data any language reads.

A job that arq cannot run as it is (garbage bytes, a pickle, a job larger than
`CHECKFLEET_MAX_REQUEST_BYTES`, nested too deeply, a map of the wrong shape such as a try
count that is not a number, an unknown function) would make arq fail it with nothing but a
log line, or even raise out of arq's main loop. Instead, `deserialize_job` turns it into a
call of `UNDECODABLE_JOB` carrying the raw bytes and the reason, and the worker writes them to
the dead-letter stream. A job naming `UNDECODABLE_JOB` itself is such a job too, so only this
module makes those calls: nobody can forge a dead letter by enqueueing one. The bytes are
never interpreted beyond msgpack, so a pickle is never executed.

A job *result* map (arq keeps one per finished job) is written without the job's arguments
and with at most a small return value: it is not a second copy of the request or the result.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

import msgpack

from shared import codec
from shared.arq_protocol import JOB_FIELDS, is_result_map, job_map
from shared.errors import DecodeError
from shared.job_names import UNDECODABLE_JOB
from shared.trust.limits import nesting_problem

#: The largest job accepted unless the worker says otherwise (CHECKFLEET_MAX_REQUEST_BYTES).
DEFAULT_MAX_JOB_BYTES = 1 << 20
_LATEST_ENQUEUE_MS = 10**14  # about the year 5138
_MOST_TRIES = 1 << 31
#: The largest return value kept in arq's job result.
MAX_KEPT_RETURN_BYTES = 2_048


def _default(value: Any) -> Any:
    if isinstance(value, BaseException):
        return {"error_type": type(value).__name__, "message": str(value)}
    return codec.msgpack_default(value)


def serialize_job(data: dict[str, Any]) -> bytes:
    """msgpack bytes of an arq job or job result map (a result without the arguments)."""
    if is_result_map(data):  # a job result: arq's copy for job.result(), never a second full result
        data = {**data, "a": [], "k": {}, "r": _kept_return(data.get("r"))}
    packed: bytes = msgpack.packb(data, default=_default, datetime=True, use_bin_type=True)
    return packed


def _kept_return(value: Any) -> Any:
    try:
        size = len(msgpack.packb(value, default=_default, datetime=True, use_bin_type=True))
    except (TypeError, ValueError):
        return {"error_type": "TypeError", "message": "the return value cannot be encoded"}
    if size <= MAX_KEPT_RETURN_BYTES:
        return value
    return {"truncated": f"a return value of {size:,} bytes; the result is on the stream"}


def deserialize_job(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_JOB_BYTES,
    functions: Collection[str] | None = None,
) -> dict[str, Any]:
    """The arq map in `data`, or an `UNDECODABLE_JOB` call carrying `data` and the reason.

    A job must be at most `max_bytes`, and name one of `functions` (any name when None)."""
    if len(data) > max_bytes:
        return undecodable_job(
            data,
            f"a job of {len(data):,} bytes is larger than the {max_bytes:,} allowed"
            " (CHECKFLEET_MAX_REQUEST_BYTES)",
        )
    try:
        value = codec.unpackb(data)
    except DecodeError as exc:
        return undecodable_job(data, str(exc))
    if not isinstance(value, dict):
        return undecodable_job(
            data, f"an arq job must be a msgpack map, got {type(value).__name__}"
        )
    if is_result_map(value):  # a job result (read by clients): arq reads its fields itself
        return value
    problem = _job_problem(value, functions)
    if problem is not None:
        return undecodable_job(data, problem)
    return value


def _job_problem(value: dict[Any, Any], functions: Collection[str] | None) -> str | None:
    """Why an arq job map cannot be run as it is, or None."""
    missing = [name for name in JOB_FIELDS if name not in value]
    if missing:
        return f"arq job map lacks {', '.join(missing)}"
    job_try, function, args, kwargs, enqueued = (value[name] for name in JOB_FIELDS)
    if function == UNDECODABLE_JOB:
        return f"a job may not call the internal function {UNDECODABLE_JOB!r}"
    if not isinstance(function, str) or (functions is not None and function not in functions):
        return f"unknown function {function!r}; known: {', '.join(sorted(functions or []))}"
    if not isinstance(args, list):
        return f"'a' (the arguments) must be a list, got {type(args).__name__}"
    if not isinstance(kwargs, dict) or not all(isinstance(key, str) for key in kwargs):
        return "'k' (the keyword arguments) must be a map with text keys"
    if job_try is not None and (not isinstance(job_try, int) or isinstance(job_try, bool)):
        return f"'t' (the try) must be a whole number or nil, got {type(job_try).__name__}"
    if not isinstance(enqueued, int | float) or isinstance(enqueued, bool):
        return f"'et' (the enqueue time) must be a number, got {type(enqueued).__name__}"
    if not 0 <= enqueued < _LATEST_ENQUEUE_MS:  # arq turns it into a datetime
        return f"'et' (the enqueue time) {enqueued!r} is not a time in ms since the epoch"
    if job_try is not None and not 0 <= job_try < _MOST_TRIES:
        return f"'t' (the try) {job_try} is out of range"
    return nesting_problem(value)


def undecodable_job(raw: bytes, reason: str) -> dict[str, Any]:
    """The `UNDECODABLE_JOB` call that dead-letters `raw` with `reason`."""
    envelope = {"raw": bytes(raw), "reason": reason}
    return job_map(UNDECODABLE_JOB, [envelope], job_try=1, enqueue_ms=int(time.time() * 1000))
