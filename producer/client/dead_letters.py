"""Dead letters (`Keys.dead`): reading them, and putting one back where it came from.

An entry has ``reason``, ``source`` (``job`` or ``request``) and ``payload`` (see the wire
contract), plus ``job_id`` for jobs and ``entry_id`` for requests. Requeueing is for when the
cause was outside the message (a worker missing a plugin, a scheduler of an older version): the
message goes back through the same door it came in by, and is checked there again, so a message
that is still bad is dead-lettered again rather than run.

- ``request``: the entry's fields (kept as JSON) are appended to the request stream again;
- ``job``: a payload that is a msgpack run request (never unpickled: `codec.unpackb` refuses
  anything else) is enqueued as a new `run_checkpoint` job under its job id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis
from pydantic import ValidationError

from shared import codec
from shared.enqueue import enqueue_run
from shared.errors import DeadLetterError, DecodeError
from shared.job import RunRequest
from shared.keys import Keys

#: Dead letters a listing shows unless told otherwise.
DEFAULT_COUNT = 20
#: Fields every dead letter has; the rest (``job_id``, ``entry_id``) are in `DeadLetter.extra`.
_CORE_FIELDS = ("reason", "source", "payload")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    entry_id: str
    reason: str
    source: str
    payload: bytes
    extra: dict[str, str] = field(default_factory=dict)

    def payload_text(self) -> str:
        """The payload for people: JSON of a request, the decoded msgpack of a job, else a
        note of its size (bytes that are not msgpack are never interpreted)."""
        if self.source == "request":
            return self.payload.decode("utf-8", "replace")
        try:
            return json.dumps(codec.unpackb(self.payload), default=str, sort_keys=True)
        except DecodeError as exc:
            return f"<{len(self.payload)} bytes, not msgpack: {exc}>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "reason": self.reason,
            "source": self.source,
            "payload": self.payload_text(),
            **self.extra,
        }


def parse_dead_letter(entry_id: Any, fields: dict[Any, Any]) -> DeadLetter:
    text = {_text(key): value for key, value in fields.items()}
    payload = text.get("payload", b"")
    return DeadLetter(
        entry_id=_text(entry_id),
        reason=_text(text.get("reason", b"")),
        source=_text(text.get("source", b"")),
        payload=payload if isinstance(payload, bytes) else str(payload).encode(),
        extra={key: _text(value) for key, value in text.items() if key not in _CORE_FIELDS},
    )


async def list_dead_letters(redis: Any, keys: Keys, count: int = DEFAULT_COUNT) -> list[DeadLetter]:
    """The newest `count` dead letters, newest first."""
    entries = await redis.xrevrange(keys.dead, count=count)
    return [parse_dead_letter(entry_id, fields) for entry_id, fields in entries]


async def get_dead_letter(redis: Any, keys: Keys, entry_id: str) -> DeadLetter:
    try:
        entries = await redis.xrange(keys.dead, min=entry_id, max=entry_id, count=1)
    except Exception as exc:  # redis-py raises ResponseError for an id that is not an id
        if "Invalid stream ID" in str(exc):
            raise DeadLetterError(
                f"{entry_id!r} is not a stream entry id (like 1700000-0)"
            ) from None
        raise
    if not entries:
        raise DeadLetterError(f"no dead letter {entry_id} on {keys.dead}")
    return parse_dead_letter(*entries[0])


async def requeue_dead_letter(redis: ArqRedis, keys: Keys, entry_id: str) -> str:
    """Put dead letter `entry_id` back where it came from and remove it; what was done."""
    letter = await get_dead_letter(redis, keys, entry_id)
    if letter.source == "request":
        try:
            fields = json.loads(letter.payload)
        except ValueError:
            raise DeadLetterError(f"dead letter {entry_id}: its payload is not JSON") from None
        if not isinstance(fields, dict) or not fields:
            raise DeadLetterError(f"dead letter {entry_id}: its payload is not a field map")
        new_id = _text(await redis.xadd(keys.requests, {str(k): str(v) for k, v in fields.items()}))
        done = f"appended to {keys.requests} as {new_id}"
    elif letter.source == "job":
        request = _run_request(letter)
        job_id = letter.extra.get("job_id") or request.run_id
        job = await enqueue_run(redis, keys, request, job_id=job_id)
        if job is None:
            raise DeadLetterError(
                f"dead letter {entry_id}: job {job_id} is queued, running or has a result already"
            )
        done = f"enqueued as job {job.job_id}"
    else:
        raise DeadLetterError(f"dead letter {entry_id}: unknown source {letter.source!r}")
    await redis.xdel(keys.dead, entry_id)
    return done


def _run_request(letter: DeadLetter) -> RunRequest:
    try:
        payload = codec.unpackb(letter.payload)
    except DecodeError as exc:
        raise DeadLetterError(
            f"dead letter {letter.entry_id}: the job's bytes are not msgpack ({exc}); "
            "it cannot be run"
        ) from None
    if isinstance(payload, dict) and isinstance(payload.get("a"), list | tuple) and payload["a"]:
        payload = payload["a"][0]  # a whole arq job: its one argument is the request
    try:
        return RunRequest.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'payload'}: {error['msg']}"
            for error in exc.errors()
        )
        raise DeadLetterError(
            f"dead letter {letter.entry_id}: still not a valid run request: {problems}"
        ) from None


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
