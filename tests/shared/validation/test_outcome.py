from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity, ValidationIssue
from shared.validation import decide_status, keep_issues
from shared.validators import severity_for_ratio
from tests.support.checkpoints import run_one


def issue(severity: Severity) -> ValidationIssue:
    return ValidationIssue(validator="v", issue_type="t", count=1, severity=severity, message="m")


@pytest.mark.parametrize(
    ("severities", "fail_on_critical", "fail_on_high", "status"),
    [
        ([], True, False, CheckpointStatus.SUCCESS),
        ([Severity.LOW], True, False, CheckpointStatus.WARNING),
        ([Severity.HIGH], True, False, CheckpointStatus.WARNING),
        ([Severity.HIGH], True, True, CheckpointStatus.FAILURE),
        ([Severity.CRITICAL], True, False, CheckpointStatus.FAILURE),
        ([Severity.CRITICAL], False, False, CheckpointStatus.WARNING),
        ([Severity.CRITICAL, Severity.HIGH], False, True, CheckpointStatus.FAILURE),
    ],
)
def test_status_rule(
    severities: list[Severity], fail_on_critical: bool, fail_on_high: bool, status: CheckpointStatus
) -> None:
    issues = [issue(severity) for severity in severities]
    assert (
        decide_status(issues, fail_on_critical=fail_on_critical, fail_on_high=fail_on_high)
        is status
    )


def test_min_severity_drops_lesser_issues() -> None:
    issues = [issue(severity) for severity in Severity]
    kept = keep_issues(issues, Severity.HIGH)
    assert [i.severity for i in kept] == [Severity.HIGH, Severity.CRITICAL]


@pytest.mark.parametrize(
    ("ratio", "severity"),
    [
        (0.0, Severity.LOW),
        (0.0099, Severity.LOW),
        (0.01, Severity.MEDIUM),
        (0.0499, Severity.MEDIUM),
        (0.05, Severity.HIGH),
        (0.2499, Severity.HIGH),
        (0.25, Severity.CRITICAL),
        (1.0, Severity.CRITICAL),
    ],
)
def test_default_severity_from_ratio(ratio: float, severity: Severity) -> None:
    assert severity_for_ratio(ratio) is severity


def test_min_severity_turns_a_warning_into_success(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [None, *range(199)]})  # 0.5% nulls: a low issue
    assert run_one(tmp_path, frame, "null").status is CheckpointStatus.WARNING
    result = run_one(tmp_path, frame, "null", min_severity="medium")
    assert result.status is CheckpointStatus.SUCCESS and result.issues == []
    assert result.statistics["validators"][0]["figures"]["a"]["failing"] == 1  # type: ignore[index,call-overload]


def test_fail_on_high(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [None] * 10 + list(range(90))})  # 10% nulls: high
    assert run_one(tmp_path, frame, "null").status is CheckpointStatus.WARNING
    assert run_one(tmp_path, frame, "null", fail_on_high=True).status is CheckpointStatus.FAILURE
