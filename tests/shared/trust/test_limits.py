from __future__ import annotations

from shared import codec
from shared.models import CheckpointResult, CheckpointStatus, Severity, ValidationIssue
from shared.trust.limits import MAX_RESULT_BYTES, bound_result, nesting_problem


def test_nesting_is_measured_without_recursion() -> None:
    value: object = 1
    for _ in range(100_000):
        value = [value]
    assert nesting_problem(value) is not None
    assert nesting_problem({"a": [{"b": 1}]}) is None


def test_a_result_is_bounded_in_size() -> None:
    issue = ValidationIssue(
        validator="regex",
        issue_type="x",
        count=1,
        severity=Severity.LOW,
        message="m" * 100_000,
        sample=["s" * 100_000] * 100,
    )
    result = CheckpointResult(
        run_id="r",
        checkpoint_name="c",
        status=CheckpointStatus.FAILURE,
        issues=[issue] * 50,
        metadata={"blob": "b" * 1_000_000},
    )
    bounded, encoded = bound_result(result)
    assert encoded == codec.encode_result(bounded)  # what is sent is what was measured
    assert len(encoded) <= MAX_RESULT_BYTES
    assert bounded.status is CheckpointStatus.FAILURE and bounded.issues
