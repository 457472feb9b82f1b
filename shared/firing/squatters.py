"""Who holds a firing's job id, when it is not one of us.

A scheduler's firings have deterministic ids, which anyone who can write to Redis could take
first (enqueue the next ticks' ids with an inline spec under the same name). After a
``duplicate`` the scheduler looks at the holder: a job or result of the same checkpoint from a
requester of the same kind (and, with a signing key, with a valid signature) is a true
duplicate; anything else is a squat, and the firing runs under a fresh id (`fresh_job_id`).
"""

from __future__ import annotations

from uuid import uuid4

from redis.asyncio import Redis

from shared import codec
from shared.errors import DecodeError, SignatureError
from shared.firing.base import Firing
from shared.job import RUN_CHECKPOINT
from shared.keys import Keys
from shared.serializer import deserialize_job
from shared.trust.provenance import origin_kind
from shared.trust.signing import verify_payload


async def find_squatter(
    redis: Redis, keys: Keys, firing: Firing, *, origin: str | None, signing_key: str | None
) -> str | None:
    """A description of whoever else holds `firing`'s job id, or None when it is one of us."""
    raw = await redis.get(Keys.arq_job(firing.job_id))
    if raw is not None:
        return _foreign_job(raw, firing, origin, signing_key)
    stored = await redis.get(keys.run_result(firing.job_id))
    if stored is None:
        return None  # decided (skipped, deferred) by another scheduler: a true duplicate
    try:
        result = codec.decode_result(stored)
    except DecodeError:
        return "a result that cannot be decoded"
    claimed = result.provenance.get("origin")
    claimed_origin = claimed if isinstance(claimed, str) else None
    if (
        result.checkpoint_name != firing.checkpoint
        or bool(result.provenance.get("inline")) != isinstance(firing.request.checkpoint, dict)
        or origin_kind(claimed_origin) != origin_kind(origin)
    ):
        return f"a run from {claimed_origin or 'an unknown origin'} ({result.provenance})"
    return None


def _foreign_job(
    raw: bytes, firing: Firing, origin: str | None, signing_key: str | None
) -> str | None:
    job = deserialize_job(raw)
    args = job.get("a")
    if job.get("f") != RUN_CHECKPOINT or not isinstance(args, list) or len(args) != 1:
        return f"a job that is no run request ({job.get('f')!r})"
    payload = args[0]
    if not isinstance(payload, dict):
        return "a job whose request is not a map"
    claimed = payload.get("origin")
    claimed_origin = claimed if isinstance(claimed, str) else None
    who = claimed_origin or "an unknown origin"
    if signing_key is not None:
        try:
            verify_payload(signing_key, payload, max_age_s=float("inf"))
        except SignatureError as exc:
            return f"a job from {who} whose signature fails: {exc}"
    if payload.get("checkpoint") != firing.request.checkpoint or origin_kind(
        claimed_origin
    ) != origin_kind(origin):
        return f"a job from {who}"
    return None


def fresh_job_id(job_id: str) -> str:
    """A new id for a firing whose own id was squatted: readable, unique, a valid run id."""
    return f"{job_id[:180]}.{uuid4().hex[:12]}"
