from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.async_base import AsyncExecutionContext, current_context
from shared.errors import ConfigError


async def test_owns_and_shuts_down_the_executor_it_created() -> None:
    async with AsyncExecutionContext() as context:
        executor = context.executor
        assert executor is context.executor
        assert await asyncio.get_running_loop().run_in_executor(executor, sum, [1, 2]) == 3
    with pytest.raises(RuntimeError):
        executor.submit(sum, [1])


async def test_leaves_a_given_executor_alone() -> None:
    with ThreadPoolExecutor() as executor:
        async with AsyncExecutionContext(executor=executor) as context:
            assert context.executor is executor
        assert executor.submit(sum, [1, 2]).result() == 3


def test_semaphores_are_made_per_loop() -> None:
    context = AsyncExecutionContext(max_concurrency=1, type_limits={"webhook": 1})

    async def hold() -> None:
        async with context.limit("webhook"):
            await asyncio.sleep(0)

    async def contend() -> None:
        await asyncio.gather(hold(), hold(), hold())

    # Two loops in turn; a semaphore bound to the first would fail in the second.
    asyncio.run(contend())
    asyncio.run(contend())


async def test_type_limits_bound_concurrency_per_type() -> None:
    context = AsyncExecutionContext(type_limits={"webhook": 2})
    running = {"webhook": 0, "slack": 0}
    peak = {"webhook": 0, "slack": 0}

    async def call(action_type: str) -> None:
        async with context.limit(action_type):
            running[action_type] += 1
            peak[action_type] = max(peak[action_type], running[action_type])
            await asyncio.sleep(0.02)
            running[action_type] -= 1

    await asyncio.gather(*(call(kind) for kind in ["webhook", "slack"] * 5))
    assert peak == {"webhook": 2, "slack": 5}


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": 0}, {"max_concurrency": 0}, {"type_limits": {"webhook": 0}}],
)
def test_bad_limits_are_config_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="execution context"):
        AsyncExecutionContext(**kwargs)  # type: ignore[arg-type]


def test_no_current_context_outside_actions() -> None:
    assert current_context() is None
