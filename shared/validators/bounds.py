"""How dataset-level validators (row count, freshness, distribution) express a failing ratio.

They judge the data set as a whole, so their ratio is the relative excess over the violated
bound, capped at 1: 900 rows against ``min: 1000`` is 0.1. ``mostly: 0.9`` then tolerates
being 10 % past the bound, and the default severity follows the same table as row checks.
"""

from __future__ import annotations


def relative_excess(value: float, bound: float) -> float:
    """How far `value` is past `bound`, relative to the bound, in 0..1."""
    if value == bound:
        return 0.0
    if bound == 0:
        return 1.0
    return min(1.0, abs(value - bound) / abs(bound))
