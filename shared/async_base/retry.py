"""Backoff arithmetic shared by `AsyncBaseAction` retries and the `with_retry` decorator."""

from __future__ import annotations

import random


def backoff_delay_s(
    retry: int,
    *,
    base_s: float,
    factor: float,
    max_s: float | None = None,
    jitter: float = 0.0,
) -> float:
    """Seconds to wait before retry number `retry` (1 = the first retry).

    ``base_s * factor ** (retry - 1)``, spread by +/- `jitter` (a fraction) so that many
    clients failing together do not retry in lockstep, and capped at `max_s`.
    """
    delay = base_s * factor ** (retry - 1)
    if jitter:
        delay *= 1.0 + random.uniform(-jitter, jitter)
    if max_s is not None:
        delay = min(delay, max_s)
    return max(delay, 0.0)
