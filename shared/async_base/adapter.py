"""Run synchronous actions from async code: `SyncActionAdapter` and `adapt_to_async`.

A blocking ``execute()`` runs in a thread pool. A thread cannot be interrupted, so when an
attempt times out its thread may still be running the side effect (posting the message).
The adapter therefore never starts a second copy while one runs: the next attempt waits for
the earlier thread first, and if that thread finished the job for the same checkpoint result,
its result is reported instead of repeating the side effect.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import Executor, Future
from typing import Any

from shared.async_base.action import AsyncBaseAction
from shared.async_base.action_config import ActionConfig
from shared.async_base.context import current_context
from shared.async_base.protocols import AsyncExecutable, SyncExecutable
from shared.errors import SpecError
from shared.models import ActionResult, ActionStatus, CheckpointResult
from shared.specs import SpecComponent

_shared_executor: Executor | None = None
_shared_executor_lock = threading.Lock()


def _default_executor() -> Executor:
    # One process-wide pool for adapters used without a context or an executor of their own.
    global _shared_executor
    with _shared_executor_lock:
        if _shared_executor is None:
            from concurrent.futures import ThreadPoolExecutor

            _shared_executor = ThreadPoolExecutor(thread_name_prefix="checkfleet-sync-action")
        return _shared_executor


def _consume(future: asyncio.Future[Any]) -> None:
    # Retrieve the outcome so asyncio does not log "exception was never retrieved".
    if not future.cancelled():
        future.exception()


async def _wait_for_thread(future: Future[Any]) -> None:
    """Wait until `future` is done without cancelling it when this wait is cancelled."""
    waiter = asyncio.wrap_future(future)
    waiter.add_done_callback(_consume)
    await asyncio.wait({waiter})


class SyncActionAdapter(AsyncBaseAction[ActionConfig]):
    """An async action running a synchronous action's ``execute()`` in a thread pool.

    The executor is, in order: the one given here, the execution context's, a process-wide
    pool. Keyword arguments are `ActionConfig` fields (timeout, retries) applied around the
    wrapped call; notify_on is left to the wrapped action.
    """

    def __init__(
        self,
        action: SyncExecutable,
        executor: Executor | None = None,
        config: ActionConfig | None = None,
        /,
        **overrides: Any,
    ) -> None:
        if not isinstance(action, SyncExecutable):
            raise TypeError(f"{type(action).__name__} has no execute() method to adapt")
        inner_name = getattr(action, "name", None)
        if config is None and "name" not in overrides:
            overrides["name"] = inner_name if isinstance(inner_name, str) else None
        super().__init__(config, **overrides)
        self._action = action
        self._executor = executor
        self._lock = threading.Lock()
        self._running: Future[Any] | None = None
        self._running_for: CheckpointResult | None = None

    @property
    def action(self) -> SyncExecutable:
        """The wrapped synchronous action."""
        return self._action

    @property
    def type_label(self) -> str:
        inner_type = getattr(self._action, "action_type", None)
        return inner_type if isinstance(inner_type, str) and inner_type else "sync_adapter"

    @property
    def name(self) -> str:
        return self._config.name or type(self._action).__name__

    def to_spec(self) -> dict[str, Any]:
        """The wrapped action's spec: a worker adapts it again."""
        if isinstance(self._action, SpecComponent):
            return self._action.to_spec()
        raise SpecError(
            f"{type(self._action).__name__} has no spec form, so it cannot be sent to a worker"
        )

    def __repr__(self) -> str:
        return f"SyncActionAdapter({self._action!r})"

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        executor = self._executor
        if executor is None:
            context = current_context()
            executor = context.executor if context is not None else _default_executor()
        outcome = await self._run_in_thread(executor, checkpoint_result)
        if not isinstance(outcome, ActionResult):
            return self._result(
                ActionStatus.ERROR,
                f"{type(self._action).__name__}.execute returned {type(outcome).__name__}, "
                "not an ActionResult",
                error="bad return value",
            )
        return outcome

    async def _run_in_thread(self, executor: Executor, checkpoint_result: CheckpointResult) -> Any:
        while True:
            with self._lock:  # check-and-submit must be atomic across loops and threads
                previous = self._running
                if previous is None or previous.done():
                    if self._finished_late_for(previous, checkpoint_result):
                        assert previous is not None
                        self._running = None
                        return previous.result()
                    # A copy of this context: the action's log lines name the run.
                    run_context = contextvars.copy_context()
                    future = executor.submit(
                        run_context.run, self._action.execute, checkpoint_result
                    )
                    self._running, self._running_for = future, checkpoint_result
                    break
            await _wait_for_thread(previous)
        # Cancelling this await (a timeout) cancels the call only if its thread has not started;
        # a started call stays recorded in `_running` so the next attempt waits for it.
        outcome = await asyncio.wrap_future(future)
        with self._lock:
            if self._running is future:
                self._running = None
        return outcome

    def _finished_late_for(
        self, previous: Future[Any] | None, checkpoint_result: CheckpointResult
    ) -> bool:
        """An attempt for this same result timed out, then its thread did the job anyway."""
        return (
            previous is not None
            and self._running_for is checkpoint_result
            and not previous.cancelled()
            and previous.exception() is None
        )


def adapt_to_async(action: object, executor: Executor | None = None) -> AsyncExecutable:
    """`action` as something a strategy can await: async actions pass through unchanged,
    synchronous ones are wrapped in a `SyncActionAdapter`; anything else is a `TypeError`."""
    if isinstance(action, AsyncBaseAction | AsyncExecutable):
        return action
    if isinstance(action, SyncExecutable):
        return SyncActionAdapter(action, executor)
    raise TypeError(
        f"cannot run {type(action).__name__} as an action: it has neither execute_async() "
        "nor execute()"
    )
