"""`AsyncExecutionContext`: the executor, concurrency limits and defaults actions run under.

A worker keeps one context for the whole process and hands it to every strategy it runs, so
its limits are global (``type_limits={"webhook": 4}`` caps webhook calls across checkpoints).
Semaphores it builds itself are created per event loop, inside that loop, so a context never
hands a loop a semaphore bound to another one.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING, Self

from shared.errors import ConfigError

if TYPE_CHECKING:
    from shared.alerts.base import Alerts
    from shared.store.base import ResultStore

_CURRENT: ContextVar[AsyncExecutionContext | None] = ContextVar(
    "checkfleet_execution_context", default=None
)
# Key of the per-loop semaphore built from `max_concurrency` (action types are non-empty).
_GLOBAL = ""


def current_context() -> AsyncExecutionContext | None:
    """The context of the action running in this task, if any."""
    return _CURRENT.get()


class AsyncExecutionContext:
    """Shared resources and defaults for running actions.

    `executor` runs synchronous actions (one is created, owned and shut down on exit when none
    is given); `semaphore` or `max_concurrency` bound how many actions run at once;
    `type_limits` bound them per ``action_type``; `timeout` is the per-attempt timeout of
    actions that set none; `cancel_on_first_error` makes strategies stop at the first error.
    `alerts` holds the alert state, rate limits and dedup windows notifications consult
    (`shared.alerts`; none: no limits, transitions unknown); `history` is the results store
    actions may read (the HTML report's trends).
    """

    def __init__(
        self,
        executor: Executor | None = None,
        semaphore: asyncio.Semaphore | None = None,
        timeout: float | None = None,
        cancel_on_first_error: bool = False,
        *,
        max_concurrency: int | None = None,
        type_limits: Mapping[str, int] | None = None,
        alerts: Alerts | None = None,
        history: ResultStore | None = None,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ConfigError(f"execution context: timeout must be > 0, got {timeout}")
        limits = dict(type_limits or {})
        for name, limit in [(_GLOBAL, max_concurrency), *limits.items()]:
            if limit is not None and (isinstance(limit, bool) or int(limit) != limit or limit < 1):
                label = f"type_limits[{name!r}]" if name else "max_concurrency"
                raise ConfigError(f"execution context: {label} must be an integer >= 1")
        self.semaphore = semaphore
        self.timeout = timeout
        self.cancel_on_first_error = cancel_on_first_error
        self.max_concurrency = max_concurrency
        self.type_limits: dict[str, int] = limits
        self.alerts = alerts
        self.history = history
        self._executor = executor
        self._owns_executor = executor is None
        self._per_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]
        ] = weakref.WeakKeyDictionary()

    @property
    def executor(self) -> Executor:
        """The executor for synchronous actions, created on first use when none was given."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(thread_name_prefix="checkfleet-action")
        return self._executor

    def _loop_semaphore(self, key: str, limit: int) -> asyncio.Semaphore:
        semaphores = self._per_loop.setdefault(asyncio.get_running_loop(), {})
        if key not in semaphores:
            semaphores[key] = asyncio.Semaphore(limit)
        return semaphores[key]

    @asynccontextmanager
    async def limit(self, action_type: str) -> AsyncIterator[None]:
        """Hold every slot an action of `action_type` needs, always in the same order."""
        async with AsyncExitStack() as stack:
            if self.semaphore is not None:
                await stack.enter_async_context(self.semaphore)
            if self.max_concurrency is not None:
                semaphore = self._loop_semaphore(_GLOBAL, self.max_concurrency)
                await stack.enter_async_context(semaphore)
            type_limit = self.type_limits.get(action_type) if action_type else None
            if type_limit is not None:
                await stack.enter_async_context(self._loop_semaphore(action_type, type_limit))
            yield

    def activate(self) -> Token[AsyncExecutionContext | None]:
        """Make this the current context of the running task; returns a token for `reset`."""
        return _CURRENT.set(self)

    @staticmethod
    def reset(token: Token[AsyncExecutionContext | None]) -> None:
        _CURRENT.reset(token)

    async def aclose(self) -> None:
        """Shut down the executor if this context created it; never blocks the loop."""
        if self._owns_executor and self._executor is not None:
            # A sync action stuck in a thread must not hang shutdown: queued work is dropped
            # and running threads finish on their own.
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"AsyncExecutionContext(timeout={self.timeout}, max_concurrency="
            f"{self.max_concurrency}, type_limits={self.type_limits}, "
            f"cancel_on_first_error={self.cancel_on_first_error})"
        )
