"""Checkpoint results for action tests, built directly from `shared.models`."""

from __future__ import annotations

from shared.models import CheckpointResult, CheckpointStatus, Severity, ValidationIssue


def make_result(
    status: CheckpointStatus = CheckpointStatus.FAILURE,
    *,
    name: str = "orders",
    run_id: str = "run-1",
) -> CheckpointResult:
    """A result with two issues, as a worker would produce."""
    return CheckpointResult(
        run_id=run_id,
        checkpoint_name=name,
        status=status,
        data_asset="orders.csv",
        row_count=1000,
        issues=[
            ValidationIssue(
                validator="null",
                column="email",
                issue_type="null_values",
                count=12,
                ratio=0.012,
                severity=Severity.HIGH,
                message="12 nulls in email",
            ),
            ValidationIssue(
                validator="range",
                column="amount",
                issue_type="out_of_range",
                count=3,
                ratio=0.003,
                severity=Severity.MEDIUM,
                message="3 amounts below 0",
            ),
        ],
    )
