"""Signed requests: HMAC-SHA256 with `CHECKFLEET_SIGNING_KEY` over a request and its time.

A job's run request is signed over its canonical msgpack: the request map as sent, with
``signed_at`` (whole seconds since the epoch) and without ``signature``, every map's keys
sorted, then ``signature`` (lower-case hex) is added. A request-stream entry, whose fields are
text, is signed over its fields as ``name=value`` lines, sorted by name, joined by ``\\n``,
without ``signature`` (so ``openssl dgst -sha256 -hmac`` can sign one from a shell; a signed
entry's fields may hold no newline). A signature is refused when missing, older than
`CHECKFLEET_SIGNATURE_MAX_AGE_S` (or more than a minute in the future), or wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

from shared import codec
from shared.errors import SignatureError

SIGNATURE_FIELD = "signature"
SIGNED_AT_FIELD = "signed_at"
#: How far a signer's clock may run ahead of the verifier's.
CLOCK_SKEW_S = 60.0


def canonical(value: Any) -> Any:
    """`value` with the keys of every map sorted, so any sender packs it the same way."""
    if isinstance(value, Mapping):
        return {key: canonical(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return value


def payload_bytes(payload: Mapping[str, Any]) -> bytes:
    """The bytes a job payload's signature covers."""
    unsigned = {key: item for key, item in payload.items() if key != SIGNATURE_FIELD}
    return codec.packb(canonical(unsigned))


def fields_bytes(fields: Mapping[str, str]) -> bytes:
    """The bytes a request-stream entry's signature covers."""
    lines = []
    for name in sorted(fields):
        if name == SIGNATURE_FIELD:
            continue
        value = fields[name]
        if "\n" in name or "\n" in value:
            raise SignatureError(f"signed field {name!r} holds a newline")
        lines.append(f"{name}={value}")
    return "\n".join(lines).encode("utf-8")


def digest(key: str, data: bytes) -> str:
    return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest()


def sign_payload(
    key: str, payload: Mapping[str, Any], *, now: float | None = None
) -> dict[str, Any]:
    """`payload` with ``signed_at`` and its ``signature``."""
    signed = {key_: item for key_, item in payload.items() if key_ != SIGNATURE_FIELD}
    signed[SIGNED_AT_FIELD] = int(time.time() if now is None else now)
    signed[SIGNATURE_FIELD] = digest(key, payload_bytes(signed))
    return signed


def sign_fields(key: str, fields: Mapping[str, str], *, now: float | None = None) -> dict[str, str]:
    """A request-stream entry's `fields` with ``signed_at`` and their ``signature``."""
    signed = {name: value for name, value in fields.items() if name != SIGNATURE_FIELD}
    signed[SIGNED_AT_FIELD] = str(int(time.time() if now is None else now))
    signed[SIGNATURE_FIELD] = digest(key, fields_bytes(signed))
    return signed


def verify_payload(
    key: str, payload: Mapping[str, Any], *, max_age_s: float, now: float | None = None
) -> None:
    """`SignatureError` saying why unless `payload` is signed with `key`, and fresh."""
    _verify(
        key,
        payload.get(SIGNATURE_FIELD),
        payload.get(SIGNED_AT_FIELD),
        max_age_s,
        now,
        lambda: payload_bytes(payload),
    )


def verify_fields(
    key: str, fields: Mapping[str, str], *, max_age_s: float, now: float | None = None
) -> None:
    """`SignatureError` saying why unless the entry `fields` are signed with `key`, and fresh."""
    raw_time = fields.get(SIGNED_AT_FIELD)
    signed_at: Any = raw_time
    if isinstance(raw_time, str) and raw_time.isdigit():
        signed_at = int(raw_time)
    _verify(
        key, fields.get(SIGNATURE_FIELD), signed_at, max_age_s, now, lambda: fields_bytes(fields)
    )


def _verify(
    key: str,
    signature: Any,
    signed_at: Any,
    max_age_s: float,
    now: float | None,
    covered: Any,
) -> None:
    if signature is None:
        raise SignatureError(
            "unsigned: the fleet requires signed requests (CHECKFLEET_SIGNING_KEY)"
        )
    if (
        not isinstance(signature, str)
        or not isinstance(signed_at, int)
        or isinstance(signed_at, bool)
    ):
        raise SignatureError(f"malformed signature: needs {SIGNED_AT_FIELD} (whole seconds)")
    current = time.time() if now is None else now
    if signed_at < current - max_age_s:
        raise SignatureError(
            f"stale: signed {current - signed_at:.0f} s ago, more than the {max_age_s:g} s"
            " allowed (CHECKFLEET_SIGNATURE_MAX_AGE_S)"
        )
    if signed_at > current + CLOCK_SKEW_S:
        raise SignatureError(f"signed {signed_at - current:.0f} s in the future")
    if not hmac.compare_digest(signature, digest(key, covered())):
        raise SignatureError("forged: the signature does not match the request")
