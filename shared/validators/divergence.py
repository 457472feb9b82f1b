"""Divergences between two discrete distributions (shares summing to 1, same buckets)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

#: Shares below this are raised to it, so an empty bucket does not make the divergence infinite.
SHARE_FLOOR = 1e-4


def _floored(shares: Sequence[float]) -> list[float]:
    raised = [max(share, SHARE_FLOOR) for share in shares]
    total = sum(raised)
    return [share / total for share in raised]


def population_stability_index(observed: Sequence[float], expected: Sequence[float]) -> float:
    """PSI: sum of (o - e) * ln(o / e). Rule of thumb: < 0.1 stable, > 0.25 shifted."""
    o, e = _floored(observed), _floored(expected)
    return sum((oi - ei) * math.log(oi / ei) for oi, ei in zip(o, e, strict=True))


def jensen_shannon(observed: Sequence[float], expected: Sequence[float]) -> float:
    """Jensen-Shannon divergence in bits: 0 for identical, 1 for disjoint distributions."""

    def kl(p: Sequence[float], q: Sequence[float]) -> float:
        return sum(pi * math.log2(pi / qi) for pi, qi in zip(p, q, strict=True) if pi > 0)

    o = [max(share, 0.0) for share in observed]
    e = [max(share, 0.0) for share in expected]
    o_total, e_total = sum(o) or 1.0, sum(e) or 1.0
    o = [share / o_total for share in o]
    e = [share / e_total for share in e]
    m = [(oi + ei) / 2 for oi, ei in zip(o, e, strict=True)]
    return max(0.0, min(1.0, (kl(o, m) + kl(e, m)) / 2))


#: Metric names accepted by the `distribution` validator.
METRICS: dict[str, Callable[[Sequence[float], Sequence[float]], float]] = {
    "psi": population_stability_index,
    "js": jensen_shannon,
}
#: The threshold each metric uses unless the config sets one.
DEFAULT_THRESHOLDS = {"psi": 0.2, "js": 0.1}
