from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

import msgpack
import pytest
from hypothesis import given

from shared import codec
from shared.errors import DecodeError
from shared.models import CheckpointResult, CheckpointStatus
from tests.shared.strategies import checkpoint_results


@given(checkpoint_results)
def test_every_result_survives_encode_and_decode(result: CheckpointResult) -> None:
    assert codec.decode_result(codec.encode_result(result)) == result


def test_datetimes_and_enums_are_encoded() -> None:
    when = datetime(2026, 11, 28, 1, 2, 3, 456000, tzinfo=UTC)
    value = codec.unpackb(codec.packb({"at": when, "status": CheckpointStatus.ERROR}))
    assert value == {"at": when, "status": "error"}


def test_naive_datetimes_are_refused_on_encode() -> None:
    with pytest.raises(TypeError, match="naive"):
        codec.packb({"at": datetime(2026, 1, 1)})


def test_objects_are_refused_on_encode() -> None:
    with pytest.raises(TypeError, match="Path"):
        codec.packb({"path": Path("/tmp")})


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\xc1", b"\x92\x01", b"\x01\x02\x03", b"not msgpack at all"],
    ids=["empty", "never-used-byte", "truncated-array", "trailing-bytes", "text"],
)
def test_garbage_bytes_raise_decode_error(garbage: bytes) -> None:
    with pytest.raises(DecodeError, match="not a valid msgpack message"):
        codec.unpackb(garbage)


def test_pickle_payload_is_refused_and_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (open, (str(marker), "w"))

    payload = pickle.dumps(Exploit())
    with pytest.raises(DecodeError, match="pickle"):
        codec.unpackb(payload)
    with pytest.raises(DecodeError, match="pickle"):
        codec.decode_result(payload)
    assert not marker.exists()


def test_extension_types_are_refused() -> None:
    raw = msgpack.packb(msgpack.ExtType(42, b"data"))
    with pytest.raises(DecodeError, match="extension type 42"):
        codec.unpackb(raw)


def test_non_map_result_is_refused() -> None:
    with pytest.raises(DecodeError, match="expected a msgpack map"):
        codec.decode_result(msgpack.packb([1, 2]))


def test_result_failing_the_schema_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="not a valid checkpoint result"):
        codec.decode_result(msgpack.packb({"run_id": "r", "status": "exploded"}))
