"""Provenance of a run: who asked for it, whether that was verified, and the hash of its spec.

Every result carries it (`CheckpointResult.provenance`), so a reader can tell a scheduled run
from one a client or the request stream asked for, and tell two runs of the same checkpoint
name apart when their specs differ (an inline spec squatting a registered name, say).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import JsonValue

from shared import codec
from shared.trust.signing import canonical

#: Origin kinds a request may claim, before the ``:`` of its origin.
ORIGINS = ("scheduler", "client", "request-stream")
UNKNOWN_ORIGIN = "unknown"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:@/+=\-]+")


def spec_hash(spec: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical msgpack of a checkpoint spec."""
    try:
        packed = codec.packb(canonical(spec))
    except TypeError:  # a spec holding something msgpack cannot carry: hash its text
        packed = repr(canonical(spec)).encode()
    return "sha256:" + hashlib.sha256(packed).hexdigest()


def origin_for(kind: str, detail: str) -> str:
    """An origin ``<kind>:<detail>`` that fits `shared.job.ORIGIN_PATTERN`."""
    return f"{kind}:{_UNSAFE.sub('-', detail)}"[:200]


def origin_kind(origin: str | None) -> str:
    """The kind an origin claims (``scheduler``...), or ``unknown``."""
    kind = (origin or "").partition(":")[0]
    return kind if kind in ORIGINS else UNKNOWN_ORIGIN


def provenance(
    origin: str | None, *, signed: bool, inline: bool, hashed: str | None
) -> dict[str, JsonValue]:
    """The provenance map of a result."""
    return {
        "origin": origin or UNKNOWN_ORIGIN,
        "signed": signed,
        "inline": inline,
        "spec_hash": hashed,
    }
