"""How a run's outcome is judged and reported: the severity floor, the status rule, the result
metadata and the one way to build an ``error`` result.

Status: ``failure`` when a critical issue remains (and ``fail_on_critical``) or a high one (and
``fail_on_high``); else ``warning`` when any issue remains; else ``success``. Issues below the
checkpoint's ``min_severity`` are dropped from the result (their figures stay in statistics).

Result metadata: ``{**checkpoint.metadata, "tags": {...}, "context": {...}}``; ``tags`` and
``context`` are reserved (``Checkpoint.validate`` rejects them in user metadata). The context
is made JSON-able: non-plain values become their ``str``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from shared.jsonable import to_json_value
from shared.models import CheckpointResult, CheckpointStatus, Severity, ValidationIssue, utc_now
from shared.sources import source_label

if TYPE_CHECKING:
    from shared.checkpoint import Checkpoint


def keep_issues(issues: Iterable[ValidationIssue], floor: Severity) -> list[ValidationIssue]:
    """The issues at or above `floor`."""
    return [issue for issue in issues if issue.severity.rank >= floor.rank]


def decide_status(
    issues: Iterable[ValidationIssue], *, fail_on_critical: bool, fail_on_high: bool
) -> CheckpointStatus:
    """The status of a completed run from its (kept) issues."""
    severities = {issue.severity for issue in issues}
    if (fail_on_critical and Severity.CRITICAL in severities) or (
        fail_on_high and Severity.HIGH in severities
    ):
        return CheckpointStatus.FAILURE
    return CheckpointStatus.WARNING if severities else CheckpointStatus.SUCCESS


def run_metadata(
    checkpoint: Checkpoint | None, context: Mapping[str, Any] | None
) -> dict[str, JsonValue]:
    """The ``metadata`` of a result: the checkpoint's, plus its tags and the run context."""
    metadata: dict[str, JsonValue] = {}
    tags: dict[str, JsonValue] = {}
    if checkpoint is not None:
        user = to_json_value(
            checkpoint.metadata if isinstance(checkpoint.metadata, Mapping) else {}
        )
        if isinstance(user, dict):
            metadata.update(user)
        tags = dict(checkpoint.tags)
    metadata["tags"] = tags
    metadata["context"] = to_json_value(dict(context or {}))
    return metadata


def describe_source(checkpoint: Checkpoint | str) -> tuple[str, str]:
    """(checkpoint name, data source) for messages; a bare name has no source."""
    if isinstance(checkpoint, str):
        return checkpoint, ""
    name = checkpoint.name if isinstance(checkpoint.name, str) else repr(checkpoint.name)
    return name, source_label(checkpoint.data_source)


def error_result(
    checkpoint: Checkpoint | str,
    *,
    run_id: str,
    message: str,
    context: Mapping[str, Any] | None = None,
    duration_ms: float = 0.0,
    run_time: datetime | None = None,
    source: str | None = None,
) -> CheckpointResult:
    """A result with status ``error`` whose ``error`` names the checkpoint, the source (its
    resolved `source` label when known, never its secrets) and `message` (the cause).
    `checkpoint` may be a bare name when no checkpoint could be built."""
    name, configured = describe_source(checkpoint)
    source = configured if source is None else source
    where = f"checkpoint {name!r}" + (f", source {source!r}" if source else "")
    return CheckpointResult(
        run_id=run_id,
        checkpoint_name=name,
        run_time=run_time or utc_now(),
        status=CheckpointStatus.ERROR,
        data_asset=source,
        duration_ms=max(0.0, duration_ms),
        error=f"{where}: {message}",
        metadata=run_metadata(None if isinstance(checkpoint, str) else checkpoint, context),
    )
