"""What changed between two runs of a checkpoint: issues that appeared, issues that were
resolved, and figures that moved (``checkfleet history NAME --diff``, the client API)."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.models import CheckpointResult, CheckpointStatus, ValidationIssue
from shared.store.rows import RUN_FIGURES, figure_rows

#: Figures that differ in every run and say nothing about the data.
_NOISY_FIGURES = {(RUN_FIGURES, "", "duration_ms")}

IssueKey = tuple[str, str, str]  # validator, column ('' for none), issue type


@dataclass(frozen=True, slots=True)
class FigureChange:
    validator: str
    column: str
    metric: str
    before: float | None
    after: float | None

    @property
    def label(self) -> str:
        where = f"{self.validator}.{self.column}" if self.column else self.validator
        return f"{where}.{self.metric}"


@dataclass(frozen=True, slots=True)
class RunDiff:
    """`current` against `previous` (None when `current` is the checkpoint's first run)."""

    current: CheckpointResult
    previous: CheckpointResult | None
    new_issues: list[ValidationIssue] = field(default_factory=list)
    resolved_issues: list[ValidationIssue] = field(default_factory=list)
    moved_figures: list[FigureChange] = field(default_factory=list)

    @property
    def status_changed(self) -> bool:
        return self.previous is not None and self.previous.status != self.current.status

    @property
    def previous_status(self) -> CheckpointStatus | None:
        return None if self.previous is None else self.previous.status

    def to_dict(self) -> dict[str, object]:
        return {
            "run_id": self.current.run_id,
            "previous_run_id": None if self.previous is None else self.previous.run_id,
            "status": self.current.status.value,
            "previous_status": None if self.previous is None else self.previous.status.value,
            "new_issues": [issue.to_dict() for issue in self.new_issues],
            "resolved_issues": [issue.to_dict() for issue in self.resolved_issues],
            "moved_figures": [
                {"figure": change.label, "before": change.before, "after": change.after}
                for change in self.moved_figures
            ],
        }


def issue_key(issue: ValidationIssue) -> IssueKey:
    return (issue.validator, issue.column or "", issue.issue_type)


def diff_runs(current: CheckpointResult, previous: CheckpointResult | None) -> RunDiff:
    """The changes from `previous` to `current`. An issue is the same when its validator,
    column and issue type are; a figure moved when its value differs or it (dis)appeared."""
    if previous is None:
        return RunDiff(current, None, new_issues=list(current.issues))
    before_issues = {issue_key(issue): issue for issue in previous.issues}
    after_issues = {issue_key(issue): issue for issue in current.issues}
    return RunDiff(
        current,
        previous,
        new_issues=[issue for key, issue in after_issues.items() if key not in before_issues],
        resolved_issues=[issue for key, issue in before_issues.items() if key not in after_issues],
        moved_figures=_moved(previous, current),
    )


def _moved(previous: CheckpointResult, current: CheckpointResult) -> list[FigureChange]:
    before = {(r.validator, r.column, r.metric): r.value for r in figure_rows(previous)}
    after = {(r.validator, r.column, r.metric): r.value for r in figure_rows(current)}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        if key in _NOISY_FIGURES:
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            changes.append(FigureChange(*key, before=old, after=new))
    return changes
