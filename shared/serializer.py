"""arq's `job_serializer` / `job_deserializer` over msgpack, so nothing in Redis is pickled.

arq stores each job as a map ``{t: try, f: function, a: args, k: kwargs, et: enqueue ms}`` and
each job result as a map that may hold an exception (the layout: `shared.arq_protocol`).
Exceptions travel as ``{"error_type": ..., "message": ...}``: plain data any language reads.

A job whose bytes cannot be decoded (garbage, a pickle) would make arq fail it with nothing but a
log line. Instead, `deserialize_job` turns it into a call of `UNDECODABLE_JOB` carrying the raw
bytes and the reason, and the worker writes them to the dead-letter stream. The bytes are never
interpreted beyond msgpack, so a pickle is never executed.
"""

from __future__ import annotations

import time
from typing import Any

import msgpack

from shared import codec
from shared.arq_protocol import JOB_FIELDS, is_result_map, job_map
from shared.errors import DecodeError
from shared.job_names import UNDECODABLE_JOB


def _default(value: Any) -> Any:
    if isinstance(value, BaseException):
        return {"error_type": type(value).__name__, "message": str(value)}
    return codec.msgpack_default(value)


def serialize_job(data: dict[str, Any]) -> bytes:
    """msgpack bytes of an arq job or job result map."""
    packed: bytes = msgpack.packb(data, default=_default, datetime=True, use_bin_type=True)
    return packed


def deserialize_job(data: bytes) -> dict[str, Any]:
    """The arq map in `data`, or an `UNDECODABLE_JOB` call carrying `data` and the reason."""
    try:
        value = codec.unpackb(data)
    except DecodeError as exc:
        return undecodable_job(data, str(exc))
    if not isinstance(value, dict):
        return undecodable_job(
            data, f"an arq job must be a msgpack map, got {type(value).__name__}"
        )
    if not is_result_map(value):  # a job must have every job field
        missing = [name for name in JOB_FIELDS if name not in value]
        if missing:
            return undecodable_job(data, f"arq job map lacks {', '.join(missing)}")
    return value


def undecodable_job(raw: bytes, reason: str) -> dict[str, Any]:
    envelope = {"raw": bytes(raw), "reason": reason}
    return job_map(UNDECODABLE_JOB, [envelope], job_try=1, enqueue_ms=int(time.time() * 1000))
