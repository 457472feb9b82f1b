"""Series of results for store, history and baseline tests: runs one minute apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import JsonValue

from shared.models import CheckpointResult, CheckpointStatus, Severity, ValidationIssue

#: The time of the first run of a series.
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def run_at(
    index: int,
    *,
    name: str = "orders",
    status: CheckpointStatus = CheckpointStatus.SUCCESS,
    rows: int = 1000,
    null_ratio: float = 0.0,
    source: str = "orders.csv",
    issues: list[ValidationIssue] | None = None,
    columns: dict[str, str] | None = None,
) -> CheckpointResult:
    """Run number `index` of a series (``<name>-<index>``, `index` minutes after START), with
    a row count, a null figure on ``email`` and the column types as a run records them."""
    validators: list[JsonValue] = [
        {
            "validator": "null",
            "figures": {
                "email": {"failing": int(rows * null_ratio), "checked": rows, "ratio": null_ratio}
            },
        },
        {"validator": "row_count", "figures": {"rows": rows, "min": None, "max": None}},
    ]
    column_types: dict[str, JsonValue] = dict(columns or {"id": "Int64", "email": "String"})
    return CheckpointResult(
        run_id=f"{name}-{index}",
        checkpoint_name=name,
        run_time=START + timedelta(minutes=index),
        status=status,
        data_asset=source,
        row_count=rows,
        issues=issues or [],
        statistics={"row_count": rows, "columns": column_types, "validators": validators},
        duration_ms=12.5,
    )


def issue(validator: str = "null", column: str = "email", count: int = 3) -> ValidationIssue:
    return ValidationIssue(
        validator=validator,
        column=column,
        issue_type="null_values",
        count=count,
        ratio=0.003,
        severity=Severity.HIGH,
        message=f"column {column!r} has {count} null values",
    )
