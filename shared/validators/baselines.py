"""The rules of learned baselines, as pure functions over earlier runs' figures (see
`shared.validators.history` for which validator uses which)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Fewer earlier runs than this give no standard deviation worth judging by.
MIN_RUNS_FOR_STDEV = 3


@dataclass(frozen=True, slots=True)
class VolumeVerdict:
    """How a row count compares with earlier ones; `problem` is None when it is in range."""

    mean: float
    stdev: float
    runs: int
    problem: str | None = None
    #: ``too_few_rows`` or ``too_many_rows`` when there is a problem.
    issue_type: str = ""
    #: How far out, relative to the tolerance (for the issue's ratio).
    excess: float = 0.0
    #: Why nothing was judged (too few runs), for the figures.
    note: str | None = None


def judge_volume(
    rows: int, past: Sequence[int], *, max_stdevs: float, max_change: float | None
) -> VolumeVerdict:
    """`rows` against the `past` counts: beyond ``max_change`` of their mean when given,
    else beyond ``max_stdevs`` standard deviations (any change when they never varied)."""
    mean = statistics.fmean(past)
    stdev = statistics.pstdev(past) if len(past) > 1 else 0.0
    if max_change is not None:
        tolerance = mean * max_change
        rule = f"{max_change:.0%} of the mean of the last {len(past)} runs ({mean:,.0f})"
    elif len(past) < MIN_RUNS_FOR_STDEV:
        note = f"learning: {len(past)} of {MIN_RUNS_FOR_STDEV} runs needed to judge the volume"
        return VolumeVerdict(mean, stdev, len(past), note=note)
    else:
        tolerance = max_stdevs * stdev
        rule = (
            f"{max_stdevs:g} standard deviations of the last {len(past)} runs"
            f" ({mean:,.0f} ± {stdev:,.1f})"
        )
    distance = abs(rows - mean)
    if distance <= tolerance and not (tolerance == 0 and distance > 0):
        return VolumeVerdict(mean, stdev, len(past))
    direction = "fewer" if rows < mean else "more"
    return VolumeVerdict(
        mean,
        stdev,
        len(past),
        problem=f"the data has {rows:,} rows, {direction} than expected: beyond {rule}",
        issue_type="too_few_rows" if rows < mean else "too_many_rows",
        excess=distance / tolerance - 1 if tolerance else 1.0,
    )


def schema_changes(
    previous: Mapping[str, str], current: Mapping[str, str], since: str
) -> list[tuple[str, str, str]]:
    """(column, issue type, message) for each column added, removed or retyped since run
    `since`."""
    changes = []
    for column, dtype in current.items():
        if column not in previous:
            changes.append(
                (column, "unexpected_column", f"column {column!r} was added since run {since}")
            )
        elif previous[column] != dtype:
            changes.append(
                (
                    column,
                    "wrong_type",
                    f"column {column!r} changed type from {previous[column]} to {dtype}"
                    f" since run {since}",
                )
            )
    for column in previous:
        if column not in current:
            changes.append(
                (column, "missing_column", f"column {column!r} was removed since run {since}")
            )
    return changes
