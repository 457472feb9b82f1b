"""Human-readable text about a checkpoint result, shared by the notification actions."""

from __future__ import annotations

from shared.models import CheckpointResult, CheckpointStatus, Severity

STATUS_EMOJI = {
    CheckpointStatus.SUCCESS: ":white_check_mark:",
    CheckpointStatus.WARNING: ":warning:",
    CheckpointStatus.FAILURE: ":x:",
    CheckpointStatus.ERROR: ":rotating_light:",
}


def headline(result: CheckpointResult) -> str:
    """``Checkpoint 'orders' FAILURE``."""
    return f"Checkpoint {result.checkpoint_name!r} {result.status.value.upper()}"


def describe(result: CheckpointResult, *, max_issues: int = 5) -> list[str]:
    """Lines: run, data, issue counts by severity, the `max_issues` worst issues, the error."""
    lines = [f"run {result.run_id} at {result.run_time.isoformat()}"]
    if result.data_asset:
        lines.append(f"data: {result.data_asset} ({result.row_count:,} rows)")
    if result.issues:
        counts = result.issue_counts()
        by_severity = ", ".join(
            f"{counts[severity]} {severity.value}"
            for severity in reversed(list(Severity))
            if counts[severity]
        )
        lines.append(f"issues: {len(result.issues)} ({by_severity})")
        worst = sorted(result.issues, key=lambda issue: -issue.severity.rank)[:max_issues]
        for issue in worst:
            where = f" {issue.column}:" if issue.column else ""
            lines.append(f"- [{issue.severity.value}]{where} {issue.message} ({issue.count:,})")
        if len(result.issues) > max_issues:
            lines.append(f"... and {len(result.issues) - max_issues} more")
    else:
        lines.append("issues: none")
    if result.error:
        lines.append(f"error: {result.error}")
    return lines
