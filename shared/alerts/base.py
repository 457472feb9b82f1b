"""`Alerts`: what actions ask before they notify anyone.

- `transition`: record a run's status as its checkpoint's latest and return the status before
  it (None for a checkpoint's first run). Asking twice for the same run id (a retried job)
  answers the same, so a retry does not turn a new failure into an old one.
- `reserve`: a slot on a channel's rate limit (a GCRA token bucket: `rate_per_s` sustained,
  `burst` at once). Returns how long to wait before sending, or None when the wait would
  exceed `max_wait_s` (the notification is then dropped, not queued forever).
- `first_in_window`: True for the first notification with this fingerprint on a channel
  within `window_s`; False for a repeat (deduplicated).
"""

from __future__ import annotations

from typing import Protocol

from shared.models import CheckpointStatus

FAILING = frozenset({CheckpointStatus.FAILURE, CheckpointStatus.ERROR})


def is_failing(status: CheckpointStatus | None) -> bool:
    return status in FAILING


class Alerts(Protocol):
    async def transition(
        self, checkpoint: str, run_id: str, status: CheckpointStatus
    ) -> CheckpointStatus | None: ...

    async def reserve(
        self, channel: str, *, rate_per_s: float, burst: int, max_wait_s: float
    ) -> float | None: ...

    async def first_in_window(self, channel: str, fingerprint: str, window_s: float) -> bool: ...
