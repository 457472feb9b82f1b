"""The seam through which validators compare with earlier runs of the same checkpoint.

A bare ``distribution`` (no reference in its config) compares each column with the previous
run's distribution. Run history is not kept yet: until a store implements
`DistributionHistory` and is handed to the executor, such a validator reports that it has
nothing to compare with (a figure, not an issue).
"""

from __future__ import annotations

from typing import Protocol

from shared.validators.reference import Reference


class DistributionHistory(Protocol):
    """Where earlier runs' distributions are found."""

    def previous_distribution(self, checkpoint: str, column: str) -> Reference | None:
        """The distribution of `column` at the checkpoint's previous run, if one was kept."""
        ...
