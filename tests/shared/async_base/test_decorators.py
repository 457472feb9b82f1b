from __future__ import annotations

import asyncio
import time

import pytest

from shared.async_base import with_retry, with_semaphore, with_timeout


async def test_with_retry_retries_with_backoff_then_succeeds() -> None:
    calls: list[float] = []

    @with_retry(max_retries=3, delay=0.02, backoff=2.0, exceptions=(ConnectionError,))
    async def flaky(value: int) -> int:
        """Doc kept."""
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise ConnectionError("down")
        return value * 2

    assert await flaky(21) == 42
    assert flaky.__name__ == "flaky" and flaky.__doc__ == "Doc kept."
    assert len(calls) == 3
    assert calls[1] - calls[0] >= 0.018 and calls[2] - calls[1] >= 0.036


async def test_with_retry_raises_the_last_error_and_ignores_others() -> None:
    calls = 0

    @with_retry(max_retries=2, delay=0.01, exceptions=(ConnectionError,))
    async def always_down() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError(f"down {calls}")

    with pytest.raises(ConnectionError, match="down 3"):
        await always_down()

    @with_retry(max_retries=2, delay=0.01, exceptions=(ConnectionError,))
    async def wrong() -> None:
        nonlocal calls
        calls += 1
        raise KeyError("not retried")

    calls = 0
    with pytest.raises(KeyError):
        await wrong()
    assert calls == 1


async def test_with_retry_never_retries_cancellation() -> None:
    calls = 0

    @with_retry(max_retries=5, delay=0.01, exceptions=(BaseException,))
    async def cancelled() -> None:
        nonlocal calls
        calls += 1
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await cancelled()
    assert calls == 1


async def test_with_timeout_raises_timeout_error() -> None:
    @with_timeout(seconds=0.05)
    async def slow() -> None:
        await asyncio.sleep(5)

    @with_timeout(0.5)
    async def quick() -> str:
        return "ok"

    with pytest.raises(TimeoutError):
        await slow()
    assert await quick() == "ok"


async def test_with_semaphore_limits_concurrency() -> None:
    semaphore = asyncio.Semaphore(2)
    running = peak = 0

    @with_semaphore(semaphore)
    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1

    await asyncio.gather(*(work() for _ in range(6)))
    assert peak == 2


def test_decorators_need_async_functions() -> None:
    def plain() -> None:
        pass

    for decorator in (with_retry(), with_timeout(1), with_semaphore(asyncio.Semaphore())):
        with pytest.raises(TypeError, match="needs an async function"):
            decorator(plain)  # type: ignore[arg-type]
