"""The two shapes an action can have: a coroutine `execute_async` or a blocking `execute`."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from shared.models import ActionResult, CheckpointResult


@runtime_checkable
class AsyncExecutable(Protocol):
    """Anything a strategy can await directly."""

    async def execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult: ...


@runtime_checkable
class SyncExecutable(Protocol):
    """A blocking action; `adapt_to_async` runs it in a thread pool."""

    def execute(self, checkpoint_result: CheckpointResult) -> ActionResult: ...
