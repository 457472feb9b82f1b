"""`PastRuns`: the earlier runs a validator compares with (learned baselines).

The executor loads them from the results store before a run, for the checkpoint and the same
data source, newest first, when a validator asks for them (`Validator.history_runs`); the
validation thread then reads them without I/O. Validators given no thresholds use them:

- ``schema`` without ``columns``: columns added, removed or retyped since the last run;
- ``row_count`` without ``min``/``max``: a count beyond ``max_stdevs`` standard deviations
  (or ``max_change`` of the mean) of the last ``baseline_runs`` runs;
- ``null`` with ``baseline: true``: each column's null ratio against the last good run;
- ``distribution`` without a reference: each column against the last good run's distribution.

With no earlier run the validator records this run as the baseline and says so in its
figures; a run that ended in ``error`` is never a baseline, and only ``success`` and
``warning`` runs are "good".
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import JsonValue

from shared.models import CheckpointResult, CheckpointStatus
from shared.validators.reference import Reference

#: The figure a validator records when this run becomes its first baseline.
FIRST_BASELINE = "first run: recorded as the baseline, nothing to compare with yet"
#: The figure of a learning validator when no run history is kept (no results store).
NO_HISTORY = "no run history kept (no results store): nothing to compare with"
_GOOD = frozenset({CheckpointStatus.SUCCESS, CheckpointStatus.WARNING})


class PastRuns:
    """Earlier runs of one checkpoint over one data source, newest first."""

    def __init__(self, runs: Sequence[CheckpointResult] = ()) -> None:
        self.runs = list(runs)

    def completed(self) -> list[CheckpointResult]:
        """The runs that read the data (not ``error``), newest first."""
        return [run for run in self.runs if run.status is not CheckpointStatus.ERROR]

    def last_run(self) -> CheckpointResult | None:
        completed = self.completed()
        return completed[0] if completed else None

    def last_good_run(self) -> CheckpointResult | None:
        return next((run for run in self.runs if run.status in _GOOD), None)

    @staticmethod
    def figures_of(run: CheckpointResult, validator: str) -> list[dict[str, JsonValue]]:
        """The figures each validator named `validator` recorded in `run`, in list order."""
        entries = run.statistics.get("validators")
        found = []
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("validator") == validator:
                figures = entry.get("figures")
                if isinstance(figures, dict):
                    found.append(figures)
        return found

    def previous_distribution(self, checkpoint: str, column: str) -> Reference | None:
        """`column`'s distribution at the last good run (``distribution`` figures): its
        buckets and observed shares, with the numeric edges when it was binned."""
        run = self.last_good_run()
        if run is None:
            return None
        for figures in self.figures_of(run, "distribution"):
            own = figures.get(column, figures)
            if not isinstance(own, dict) or own.get("column", column) != column:
                continue
            reference = _reference_from(own)
            if reference is not None:
                return reference
        return None


def _reference_from(figures: dict[str, JsonValue]) -> Reference | None:
    buckets, observed, edges = figures.get("buckets"), figures.get("observed"), figures.get("edges")
    if not isinstance(buckets, list) or not isinstance(observed, list) or not observed:
        return None
    shares = [float(share) for share in observed if isinstance(share, int | float)]
    if len(shares) != len(observed) or sum(shares) <= 0:
        return None
    if isinstance(edges, list):
        return Reference(
            [], shares, [float(edge) for edge in edges if isinstance(edge, int | float)]
        )
    labels = [str(label) for label in buckets]
    if labels and labels[-1] == "other":  # the rest bucket is implied by the labels' shares
        labels, shares = labels[:-1], shares[:-1]
    return Reference(labels, shares, None) if labels else None
