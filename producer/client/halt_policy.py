"""`HaltPolicy`: when a runner stops itself, from the results of its background runs
(``stop_on_error``: the first run ending in error; otherwise `max_consecutive_failures` runs in
a row ending in error)."""

from __future__ import annotations

from shared.models import CheckpointResult, CheckpointStatus


class HaltPolicy:
    """Watches results one by one and says when, and why, the runner must stop."""

    def __init__(self, *, stop_on_error: bool, max_consecutive_failures: int) -> None:
        self._stop_on_error = stop_on_error
        self._max_consecutive_failures = max_consecutive_failures
        #: Runs in a row that ended in error, up to the latest result.
        self.consecutive_errors = 0

    def observe(self, result: CheckpointResult) -> str | None:
        """Count `result`; the reason to stop now, or None to go on."""
        if result.status is CheckpointStatus.ERROR:
            self.consecutive_errors += 1
        else:
            self.consecutive_errors = 0
        if self._stop_on_error and result.status is CheckpointStatus.ERROR:
            return f"run {result.run_id} of {result.checkpoint_name!r} ended in error"
        if self.consecutive_errors >= self._max_consecutive_failures:
            return f"{self.consecutive_errors} runs in a row ended in error"
        return None
