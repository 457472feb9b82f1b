"""Calling user callbacks: sync functions, coroutine functions and objects with an
``async __call__`` alike. A callback that raises is logged and counted; it never stops the
caller or loses another result."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: A callback: called with one value; may return an awaitable, which is awaited.
Callback = Callable[[Any], Any]


class CallbackInvoker:
    """Calls one optional callback and counts its failures."""

    def __init__(self, callback: Callback | None, *, role: str) -> None:
        self._callback = callback
        self._role = role
        self.failures = 0

    async def __call__(self, value: Any) -> bool:
        """Call the callback with `value`; False when it raised (logged, counted)."""
        if self._callback is None:
            return True
        try:
            outcome = self._callback(value)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:
            self.failures += 1
            logger.exception("%s callback failed on %r", self._role, _label(value))
            return False
        return True


def _label(value: Any) -> str:
    name = getattr(value, "checkpoint_name", None)
    run_id = getattr(value, "run_id", None)
    if name is not None:
        return f"checkpoint {name} run {run_id}"
    return type(value).__name__
