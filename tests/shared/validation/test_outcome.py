from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity, ValidationIssue
from shared.validation import decide_status, keep_issues
from shared.validators import RANGE_THRESHOLDS, severity_for_ratio
from tests.support.checkpoints import config_error, run_one


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
        (0.05, Severity.LOW),
        (0.0501, Severity.MEDIUM),
        (0.2, Severity.MEDIUM),
        (0.2001, Severity.HIGH),
        (0.5, Severity.HIGH),
        (0.5001, Severity.CRITICAL),
        (1.0, Severity.CRITICAL),
    ],
)
def test_default_severity_from_ratio_as_the_reference(ratio: float, severity: Severity) -> None:
    assert severity_for_ratio(ratio) is severity


@pytest.mark.parametrize(
    ("ratio", "severity"),
    [
        (0.01, Severity.LOW),
        (0.011, Severity.MEDIUM),
        (0.051, Severity.HIGH),
        (0.11, Severity.CRITICAL),
    ],
)
def test_range_thresholds(ratio: float, severity: Severity) -> None:
    assert severity_for_ratio(ratio, RANGE_THRESHOLDS) is severity


def test_one_null_in_three_rows_is_high_so_a_warning(tmp_path: Path) -> None:
    result = run_one(tmp_path, pl.DataFrame({"a": [1, None, 3]}), "null")
    assert [issue.severity for issue in result.issues] == [Severity.HIGH]
    assert result.status is CheckpointStatus.WARNING


def test_range_uses_its_own_thresholds(tmp_path: Path) -> None:
    frame = pl.DataFrame({"age": [*range(1, 20), 200]})  # 1 in 20 outside: 5%
    (issue,) = run_one(tmp_path, frame, "range").issues
    assert issue.ratio == pytest.approx(0.05) and issue.severity is Severity.MEDIUM


def test_thresholds_are_configurable(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [1, None, 3]})
    thresholds = {"critical": 0.3, "high": 0.2, "medium": 0.1}
    spec = {"type": "null", "config": {"severity_thresholds": thresholds}}
    result = run_one(tmp_path, frame, spec)
    assert [issue.severity for issue in result.issues] == [Severity.CRITICAL]
    assert result.status is CheckpointStatus.FAILURE
    bad = {"type": "null", "config": {"severity_thresholds": {"critical": 0.1, "high": 0.2}}}
    assert "critical >= high >= medium" in config_error(bad, tmp_path, frame)


def test_min_severity_turns_a_warning_into_success(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [None, *range(199)]})  # 0.5% nulls: a low issue
    assert run_one(tmp_path, frame, "null").status is CheckpointStatus.WARNING
    result = run_one(tmp_path, frame, "null", min_severity="medium")
    assert result.status is CheckpointStatus.SUCCESS and result.issues == []
    assert result.statistics["validators"][0]["figures"]["a"]["failing"] == 1  # type: ignore[index,call-overload]


def test_fail_on_high(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [None] * 30 + list(range(70))})  # 30% nulls: high
    assert run_one(tmp_path, frame, "null").status is CheckpointStatus.WARNING
    assert run_one(tmp_path, frame, "null", fail_on_high=True).status is CheckpointStatus.FAILURE
