"""msgpack encoding of everything checkfleet sends through Redis. Nothing is ever pickled.

Timezone-aware datetimes travel as msgpack's standard timestamp extension (type -1), which
every msgpack library reads; enums travel as their values. Decoding accepts no other extension
type, so bytes from an unknown sender can never construct objects.

Job arguments are `shared.job.RunRequest` maps, checked by pydantic after `unpackb`; results
travel as `encode_result` bytes, next to their schema version `SCHEMA_VERSION` in the results
stream's field ``v`` (`shared.publishing`).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import msgpack

from shared.errors import DecodeError

if TYPE_CHECKING:  # imported where used: the arq serializer (a worker's probe) needs no models
    from shared.models import CheckpointResult

#: Version of the result schema this code writes (the ``v`` field of results entries).
SCHEMA_VERSION = 1

# Pickle protocol 2+ streams start with the PROTO opcode followed by the protocol number.
_PICKLE_PROTO = 0x80
_PICKLE_PROTOCOLS = range(2, 6)


def msgpack_default(value: Any) -> Any:
    """The msgpack form of enums, sets and tuples; TypeError for naive datetimes and objects."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is None:
        raise TypeError("cannot encode a naive datetime; attach a timezone")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} as msgpack")


def _refuse_extension(code: int, data: bytes) -> Any:
    raise DecodeError(f"msgpack extension type {code} is not part of the checkfleet contract")


def packb(value: Any) -> bytes:
    """msgpack bytes of plain data, datetimes and enums; TypeError on anything else."""
    result: bytes = msgpack.packb(value, default=msgpack_default, datetime=True, use_bin_type=True)
    return result


def looks_like_pickle(data: bytes) -> bool:
    """True for bytes that start like a pickle stream (protocol 2 to 5)."""
    return len(data) >= 2 and data[0] == _PICKLE_PROTO and data[1] in _PICKLE_PROTOCOLS


def unpackb(data: bytes) -> Any:
    """The value in `data`; `DecodeError` when it is not exactly one msgpack value."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    if looks_like_pickle(bytes(data[:2])):
        raise DecodeError("refusing a pickle payload: checkfleet messages are msgpack only")
    try:
        return msgpack.unpackb(
            data, raw=False, timestamp=3, strict_map_key=False, ext_hook=_refuse_extension
        )
    except DecodeError:
        raise
    except Exception as exc:  # msgpack raises several unrelated types for bad input
        raise DecodeError(f"not a valid msgpack message: {exc}") from exc


def encode_result(result: CheckpointResult) -> bytes:
    """msgpack of ``result.to_dict()``: the ``result`` field of the results stream."""
    return packb(result.to_dict())


def decode_result(data: bytes) -> CheckpointResult:
    """A result back from `encode_result` bytes; `DecodeError` when they are not one."""
    from shared.models import CheckpointResult

    value = unpackb(data)
    if not isinstance(value, dict):
        raise DecodeError(f"expected a msgpack map for a result, got {type(value).__name__}")
    try:
        return CheckpointResult.from_dict(value)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise DecodeError(f"not a valid checkpoint result: {exc}") from exc
