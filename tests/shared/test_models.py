from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from pydantic import ValidationError

from shared.models import (
    MAX_SAMPLE_SIZE,
    ActionResult,
    ActionStatus,
    CheckpointResult,
    CheckpointStatus,
    Severity,
    ValidationIssue,
)
from tests.shared.strategies import checkpoint_results


def make_result(**overrides: object) -> CheckpointResult:
    fields: dict[str, object] = {
        "run_id": "run-1",
        "checkpoint_name": "orders",
        "run_time": datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        "status": CheckpointStatus.FAILURE,
        "data_asset": "orders.csv",
        "row_count": 1200,
        "issues": [
            ValidationIssue(
                validator="null",
                column="amount",
                issue_type="null_values",
                count=12,
                ratio=0.01,
                severity=Severity.CRITICAL,
                message="amount has 12 nulls (1.00%)",
                sample=[None],
            )
        ],
        "action_results": [
            ActionResult(action_name="slack", action_type="slack", status=ActionStatus.SUCCESS)
        ],
    }
    fields.update(overrides)
    return CheckpointResult.model_validate(fields)


def test_to_dict_gives_plain_data() -> None:
    data = make_result().to_dict()
    assert data["status"] == "failure"
    assert data["run_time"] == "2026-11-28T12:00:00Z"
    assert data["issues"][0]["severity"] == "critical"
    assert data["action_results"][0]["status"] == "success"


@given(checkpoint_results)
def test_every_result_round_trips_through_dicts(result: CheckpointResult) -> None:
    assert CheckpointResult.from_dict(result.to_dict()) == result


def test_datetimes_are_normalised_to_utc() -> None:
    local = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    result = make_result(run_time=local)
    assert result.run_time.tzinfo is UTC
    assert result.run_time == local


def test_naive_datetimes_are_local_time_stored_in_utc() -> None:
    naive = datetime(2026, 1, 1, 12, 0)
    result = make_result(run_time=naive)
    assert result.run_time.tzinfo is UTC
    assert result.run_time == naive.astimezone(UTC)  # the machine's local time
    action = ActionResult(
        action_name="a", action_type="t", status=ActionStatus.SUCCESS, started_at=naive
    )
    assert action.started_at == naive.astimezone(UTC) and action.started_at.tzinfo is UTC
    assert CheckpointResult.from_dict(result.to_dict()) == result


def test_success_counts_warnings_but_not_failures_or_errors() -> None:
    assert make_result(status=CheckpointStatus.SUCCESS).success
    assert make_result(status=CheckpointStatus.WARNING).success
    assert not make_result(status=CheckpointStatus.FAILURE).success
    assert not make_result(status=CheckpointStatus.ERROR).success


def test_summary_names_status_issues_and_actions() -> None:
    summary = make_result().summary()
    assert "orders" in summary and "FAILURE" in summary
    assert "1 critical" in summary
    assert "amount has 12 nulls" in summary
    assert "slack=success" in summary


def test_summary_shows_the_error() -> None:
    summary = make_result(status=CheckpointStatus.ERROR, error="file missing", issues=[]).summary()
    assert "ERROR" in summary and "file missing" in summary


def test_sample_is_bounded() -> None:
    with pytest.raises(ValidationError):
        ValidationIssue(
            validator="v",
            issue_type="t",
            count=1,
            severity=Severity.LOW,
            message="m",
            sample=list(range(MAX_SAMPLE_SIZE + 1)),
        )


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValidationError):
        make_result(status="exploded")


def test_severity_ranks_in_order() -> None:
    ranks = [
        severity.rank
        for severity in (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == 4
