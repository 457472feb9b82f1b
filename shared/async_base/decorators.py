"""Decorators for coroutine functions: `with_retry`, `with_timeout`, `with_semaphore`.

Each keeps the wrapped function's name, docstring and signature (`functools.wraps`,
`ParamSpec`). Cancellation always passes straight through: it is never retried.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from shared.async_base.retry import backoff_delay_s

P = ParamSpec("P")
R = TypeVar("R")

logger = logging.getLogger(__name__)


def _require_coroutine_function(func: object, decorator: str) -> None:
    if not inspect.iscoroutinefunction(func):
        name = getattr(func, "__qualname__", type(func).__name__)
        raise TypeError(f"@{decorator} needs an async function, got {name}")


def with_retry(
    max_retries: int = 3,
    delay: float = 1.0,
    backoff: float = 2.0,
    exceptions: tuple[type[BaseException], ...] = (Exception,),
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Retry the coroutine up to `max_retries` times on `exceptions`, waiting `delay` seconds
    and then `backoff` times longer after each failure; the last exception propagates."""
    if max_retries < 0 or delay < 0 or backoff < 1:
        raise ValueError("with_retry needs max_retries >= 0, delay >= 0 and backoff >= 1")

    def decorate(func: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        _require_coroutine_function(func, "with_retry")

        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for retry in range(max_retries + 1):
                try:
                    return await func(*args, **kwargs)
                except asyncio.CancelledError:
                    raise
                except exceptions as exc:
                    if retry == max_retries:
                        raise
                    wait_s = backoff_delay_s(retry + 1, base_s=delay, factor=backoff)
                    logger.warning(
                        "%s failed (%s: %s); retry %d/%d in %.3f s",
                        func.__qualname__,
                        type(exc).__name__,
                        exc,
                        retry + 1,
                        max_retries,
                        wait_s,
                    )
                    await asyncio.sleep(wait_s)
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper

    return decorate


def with_timeout(
    seconds: float,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Raise `TimeoutError` when the coroutine runs longer than `seconds`."""
    if seconds <= 0:
        raise ValueError(f"with_timeout needs seconds > 0, got {seconds}")

    def decorate(func: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        _require_coroutine_function(func, "with_timeout")

        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            async with asyncio.timeout(seconds):
                return await func(*args, **kwargs)

        return wrapper

    return decorate


def with_semaphore(
    semaphore: asyncio.Semaphore,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Run the coroutine only while holding `semaphore`."""

    def decorate(func: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        _require_coroutine_function(func, "with_semaphore")

        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            async with semaphore:
                return await func(*args, **kwargs)

        return wrapper

    return decorate
