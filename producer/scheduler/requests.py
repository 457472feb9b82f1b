"""`RequestConsumer`: runs requested by other services through the stream `checkfleet:requests`.

Any service, in any language, XADDs an entry with the fields ``checkpoint`` (a name),
optionally ``run_id`` and ``context`` (a JSON object as text). Schedulers read the stream
through one consumer group (`Keys.schedulers_group`, read with `shared.stream_group`), so each
entry is handled by one of them:

- a well-formed entry is enqueued with its ``run_id`` as job id (``request-<entry id>`` when it
  has none, so an entry delivered twice still runs once), then acknowledged. A scheduler that
  dies in between leaves the entry pending; another one claims it (XAUTOCLAIM) once it has been
  idle `claim_idle_s`, and the deterministic job id turns a double enqueue into a no-op.
- any entry that cannot become a run (malformed, too large (`CHECKFLEET_MAX_REQUEST_BYTES`),
  nested too deeply, unsigned or wrongly signed when `CHECKFLEET_SIGNING_KEY` is set, or that
  makes parsing fail in any way) goes to the dead-letter stream (``reason``, ``source`` =
  ``request``, ``payload`` = the entry's fields as JSON, ``entry_id``) and is acknowledged at
  once: it never holds up the entries behind it.

The job of a request names its origin (``request-stream:<entry id>``) and, with a signing key,
is signed by the scheduler.

Requests are explicit, so the overlap policy does not hold them back; they do become the
checkpoint's last run, which scheduled firings respect.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis

from shared.checkpoint import OverlapPolicy
from shared.errors import MalformedRequestError, SignatureError
from shared.firing.base import Firing, FiringDecider, Outcome
from shared.firing.run_request import request_run_id
from shared.job import RunRequest
from shared.keys import Keys
from shared.publishing import ResultPublisher
from shared.stream_group import FROM_START, StreamEntry, StreamGroup
from shared.trust.limits import nesting_problem
from shared.trust.provenance import origin_for
from shared.trust.signing import SIGNATURE_FIELD, SIGNED_AT_FIELD, verify_fields

logger = logging.getLogger(__name__)

#: The fields of a request entry: part of the public wire contract (the last two only in
#: signed entries, see `shared.trust.signing`).
REQUEST_FIELDS = ("checkpoint", "run_id", "context", SIGNED_AT_FIELD, SIGNATURE_FIELD)
#: The largest entry accepted unless the scheduler says otherwise (CHECKFLEET_MAX_REQUEST_BYTES).
DEFAULT_MAX_REQUEST_BYTES = 1 << 20
#: Value of the ``source`` field of dead letters written for requests.
DEAD_LETTER_SOURCE = "request"

#: Called with an entry id after the entry was read and before it is enqueued (a test seam).
ReadHook = Callable[[str], None]


def parse_request(
    entry_id: str,
    raw_fields: dict[Any, Any],
    *,
    max_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    signing_key: str | None = None,
    signature_max_age_s: float = 86_400.0,
) -> RunRequest:
    """The run request an entry asks for; `MalformedRequestError` naming the bad field (or the
    size, the nesting or the signature that is wrong)."""
    size = sum(len(key) + len(value) for key, value in raw_fields.items())
    if size > max_bytes:
        raise MalformedRequestError(
            f"the entry holds {size:,} bytes, more than the {max_bytes:,} allowed"
            " (CHECKFLEET_MAX_REQUEST_BYTES)"
        )
    fields: dict[str, str] = {}
    for raw_key, raw_value in raw_fields.items():
        try:
            key = _decode(raw_key)
            fields[key] = _decode(raw_value)
        except UnicodeDecodeError:
            raise MalformedRequestError(f"field {raw_key!r} is not UTF-8 text") from None
    unknown = sorted(set(fields) - set(REQUEST_FIELDS))
    if unknown:
        known = ", ".join(REQUEST_FIELDS)
        raise MalformedRequestError(f"unknown field {unknown[0]!r}; known: {known}")
    if signing_key is not None:
        try:
            verify_fields(signing_key, fields, max_age_s=signature_max_age_s)
        except SignatureError as exc:
            raise MalformedRequestError(str(exc)) from None
    if not fields.get("checkpoint", "").strip():
        raise MalformedRequestError("field 'checkpoint' is missing or empty")
    context: Any = {}
    if "context" in fields:
        try:
            context = json.loads(fields["context"])
        except json.JSONDecodeError as exc:
            raise MalformedRequestError(f"field 'context' is not valid JSON: {exc}") from None
        except RecursionError:
            raise MalformedRequestError("field 'context' is nested too deeply") from None
        if not isinstance(context, dict):
            raise MalformedRequestError("field 'context' must be a JSON object")
        problem = nesting_problem(context)
        if problem is not None:
            raise MalformedRequestError(f"field 'context' is {problem}")
    try:
        return RunRequest(
            checkpoint=fields["checkpoint"],
            run_id=fields.get("run_id") or request_run_id(entry_id),
            context=context,
            origin=origin_for("request-stream", entry_id),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(part) for part in error['loc'])!r}: {error['msg']}"
            for error in exc.errors()
        )
        raise MalformedRequestError(problems) from None


def _decode(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class RequestConsumer:
    """Reads, enqueues and acknowledges request entries for one scheduler process."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        decider: FiringDecider,
        publisher: ResultPublisher,
        *,
        consumer: str,
        claim_idle_s: float = 60.0,
        block_ms: int = 1000,
        batch_size: int = 50,
        on_read: ReadHook | None = None,
        signing_key: str | None = None,
        signature_max_age_s: float = 86_400.0,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    ) -> None:
        self._group = StreamGroup(
            redis,
            keys.requests,
            keys.schedulers_group,
            consumer,
            start_id=FROM_START,  # no request written before the first scheduler is missed
            claim_idle_ms=int(claim_idle_s * 1000),
            count=batch_size,
            dead_letters=publisher,
            dead_letter_source=DEAD_LETTER_SOURCE,
        )
        self._decider = decider
        self.consumer = consumer
        self._block_ms = block_ms
        self._on_read = on_read
        self._signing_key = signing_key
        self._signature_max_age_s = signature_max_age_s
        self._max_request_bytes = max_request_bytes
        self.enqueued = 0
        self.duplicates = 0
        self.dead_lettered = 0

    async def ensure_group(self) -> None:
        """Create the consumer group (from the stream's start: no request is missed)."""
        await self._group.ensure()

    async def step(self) -> int:
        """Handle what is ready: own pending entries once, claimable ones, then new ones
        (waiting up to `block_ms` for them). Returns how many entries were handled."""
        entries = await self._group.read(block_ms=self._block_ms)
        for entry in entries:
            await self.handle(entry)
        return len(entries)

    async def handle(self, entry: StreamEntry) -> None:
        """Enqueue or dead-letter one entry, then acknowledge it."""
        try:
            request = parse_request(
                entry.entry_id,
                entry.fields,
                max_bytes=self._max_request_bytes,
                signing_key=self._signing_key,
                signature_max_age_s=self._signature_max_age_s,
            )
        except Exception as exc:  # any entry that cannot become a run: never retried
            reason = (
                str(exc)
                if isinstance(exc, MalformedRequestError)
                else f"the entry cannot be read: {type(exc).__name__}: {exc}"
            )
            await self._group.dead_letter(entry, reason)
            self.dead_lettered += 1
            return
        if self._on_read is not None:
            self._on_read(entry.entry_id)
        assert request.run_id is not None  # parse_request always sets it
        outcome = await self._decider.decide(
            Firing(
                job_id=request.run_id,
                request=request,
                checkpoint=request.checkpoint_label,
                overlap=OverlapPolicy.ALLOW,
            )
        )
        await self._group.ack([entry.entry_id])
        if outcome is Outcome.DUPLICATE:
            self.duplicates += 1
            logger.info("request %s: run %s exists already", entry.entry_id, request.run_id)
        else:
            self.enqueued += 1
            logger.info(
                "request %s: enqueued run %s of %s",
                entry.entry_id,
                request.run_id,
                request.checkpoint_label,
            )
