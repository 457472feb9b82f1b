"""The result models of the wire contract: what a run produces and what travels back to clients.

Every model converts to plain data with ``to_dict()`` (enums as their string values, datetimes as
ISO-8601 strings in UTC) and back with ``from_dict()``, exactly. Datetimes are normalised to
UTC, so a result compares equal after any number of round trips; a naive datetime (as the
reference framework passes) is taken as local time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

#: The most sample values an issue carries, whatever a validator asks for.
MAX_SAMPLE_SIZE = 100

SampleValue = str | int | float | bool | None


class CheckpointStatus(StrEnum):
    """Outcome of a checkpoint run."""

    SUCCESS = "success"
    FAILURE = "failure"
    WARNING = "warning"
    ERROR = "error"


class ActionStatus(StrEnum):
    """Outcome of one action run after a checkpoint."""

    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"
    ERROR = "error"


class Severity(StrEnum):
    """How serious a validation issue is, from least to most."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the order low < medium < high < critical, for comparisons."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = list(Severity)


def utc_now() -> datetime:
    """The current time, timezone aware, in UTC."""
    return datetime.now(UTC)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # astimezone reads a naive datetime as the machine's local time.
    return value.astimezone(UTC)


class _WireModel(BaseModel):
    # Unknown fields from a newer producer are ignored rather than rejected, so consumers can be
    # upgraded after producers; every known field is still checked.
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: enums as strings, datetimes as ISO-8601 strings."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """The model back from ``to_dict()`` output; raises pydantic's ValidationError."""
        return cls.model_validate(data)


class ValidationIssue(_WireModel):
    """One failed expectation: what failed, where, how often, and a few offending values."""

    validator: str
    column: str | None = None
    issue_type: str
    count: int = Field(ge=0)
    ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    severity: Severity
    message: str
    sample: list[SampleValue] = Field(default_factory=list, max_length=MAX_SAMPLE_SIZE)


class ActionResult(_WireModel):
    """Outcome of one action."""

    action_name: str
    action_type: str
    status: ActionStatus
    message: str = ""
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_ms: float = Field(default=0.0, ge=0.0)
    details: dict[str, JsonValue] = Field(default_factory=dict)
    error: str | None = None

    _utc = field_validator("started_at", "completed_at")(_as_utc)

    @property
    def success(self) -> bool:
        return self.status is ActionStatus.SUCCESS


class CheckpointResult(_WireModel):
    """Outcome of one checkpoint run: validation issues and the actions' results."""

    run_id: str
    checkpoint_name: str
    run_time: datetime = Field(default_factory=utc_now)
    status: CheckpointStatus
    data_asset: str = ""
    row_count: int = Field(default=0, ge=0)
    issues: list[ValidationIssue] = Field(default_factory=list)
    statistics: dict[str, JsonValue] = Field(default_factory=dict)
    action_results: list[ActionResult] = Field(default_factory=list)
    duration_ms: float = Field(default=0.0, ge=0.0)
    error: str | None = None
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    #: The status of the checkpoint's run before this one, fleet-wide (alert state), set
    #: before the actions run; None for a first run or where no alert state is kept.
    previous_status: CheckpointStatus | None = None
    #: Who asked for the run and what ran: ``origin`` (``scheduler``, ``client``,
    #: ``request-stream``, or ``unknown``, with a detail after ``:``), ``signed`` (whether the
    #: request's signature was verified), ``inline`` and ``spec_hash`` (``sha256:<hex>`` of
    #: the canonical msgpack of the checkpoint spec that ran). Filled by workers.
    provenance: dict[str, JsonValue] = Field(default_factory=dict)

    _utc = field_validator("run_time")(_as_utc)

    @property
    def success(self) -> bool:
        """True when the run completed and no expectation failed (warnings included)."""
        return self.status in (CheckpointStatus.SUCCESS, CheckpointStatus.WARNING)

    def issue_counts(self) -> dict[Severity, int]:
        """How many issues of each severity, every severity present as a key."""
        counts = dict.fromkeys(Severity, 0)
        for issue in self.issues:
            counts[issue.severity] += 1
        return counts

    def summary(self) -> str:
        """A few lines for people: status, counts, the worst issues, the error if any."""
        head = (
            f"Checkpoint {self.checkpoint_name!r} run {self.run_id}: {self.status.value.upper()}"
            f" in {self.duration_ms:.1f} ms"
        )
        lines = [head]
        if self.data_asset:
            lines.append(f"  data: {self.data_asset} ({self.row_count:,} rows)")
        if self.error:
            lines.append(f"  error: {self.error}")
        if self.issues:
            counts = ", ".join(
                f"{n} {severity.value}" for severity, n in self.issue_counts().items() if n
            )
            lines.append(f"  issues: {len(self.issues)} ({counts})")
            worst = sorted(self.issues, key=lambda issue: -issue.severity.rank)[:5]
            lines.extend(f"    - [{issue.severity.value}] {issue.message}" for issue in worst)
        if self.action_results:
            outcome = ", ".join(f"{a.action_name}={a.status.value}" for a in self.action_results)
            lines.append(f"  actions: {outcome}")
        return "\n".join(lines)
