"""Waiting between attempts while a backend is away: exponential, capped, with jitter."""

from __future__ import annotations

import random


class Backoff:
    """Delays of 0.1 s, 0.2 s, 0.4 s ... up to `cap_s`, each with up to 25 % jitter, so
    schedulers that lost Redis together do not all come back in the same instant."""

    def __init__(self, base_s: float = 0.1, cap_s: float = 5.0) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self._failures = 0

    @property
    def failures(self) -> int:
        return self._failures

    def next_delay_s(self) -> float:
        """The wait before the next attempt; counts a failure."""
        delay_s = min(self.cap_s, self.base_s * 2.0**self._failures)
        self._failures = min(self._failures + 1, 32)
        return delay_s * (1 + random.uniform(0, 0.25))

    def reset(self) -> None:
        self._failures = 0
