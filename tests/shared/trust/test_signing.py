from __future__ import annotations

import pytest

from shared.errors import SignatureError
from shared.trust.signing import sign_fields, sign_payload, verify_fields, verify_payload

KEY = "test-signing-key"
NOW = 1_800_000_000.0


def test_a_signed_payload_verifies_whatever_its_key_order() -> None:
    spec = {"b": 1, "a": [1, {"y": 2, "x": 3}]}
    signed = sign_payload(KEY, {"run_id": "r-1", "checkpoint": spec}, now=NOW)
    reordered = {key: signed[key] for key in reversed(list(signed))}
    verify_payload(KEY, reordered, max_age_s=60, now=NOW + 30)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda p: p.pop("signature"), "unsigned"),
        (lambda p: p.update(run_id="r-2"), "forged"),
        (lambda p: p.update(signed_at=int(NOW) - 3_600), "stale"),
        (lambda p: p.update(signature="0" * 64), "forged"),
    ],
)
def test_unsigned_forged_and_stale_payloads_are_refused(change: object, why: str) -> None:
    signed = sign_payload(KEY, {"checkpoint": "orders", "run_id": "r-1"}, now=NOW)
    change(signed)  # type: ignore[operator]
    with pytest.raises(SignatureError, match=why):
        verify_payload(KEY, signed, max_age_s=60, now=NOW)


def test_a_payload_signed_with_another_key_is_forged() -> None:
    signed = sign_payload("other-key", {"checkpoint": "orders"}, now=NOW)
    with pytest.raises(SignatureError, match="forged"):
        verify_payload(KEY, signed, max_age_s=60, now=NOW)


def test_stream_fields_sign_as_sorted_lines() -> None:
    signed = sign_fields(KEY, {"checkpoint": "orders", "context": '{"by": "x"}'}, now=NOW)
    verify_fields(KEY, signed, max_age_s=60, now=NOW)
    with pytest.raises(SignatureError, match="forged"):
        verify_fields(KEY, {**signed, "checkpoint": "payroll"}, max_age_s=60, now=NOW)
    with pytest.raises(SignatureError, match="newline"):
        sign_fields(KEY, {"checkpoint": "a\nrun_id=b"}, now=NOW)
