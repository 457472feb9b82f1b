from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.async_base import (
    ActionResult,
    ActionStatus,
    AsyncBaseAction,
    AsyncExecutionContext,
    SyncActionAdapter,
    adapt_to_async,
)
from shared.errors import SpecError
from shared.models import CheckpointResult


class BlockingAction:
    """A synchronous action that sleeps, counting calls and the most running at once."""

    action_type = "blocking"

    def __init__(self, sleep_s: float = 0.0, fail: bool = False) -> None:
        self.name = "blocker"
        self.sleep_s = sleep_s
        self.fail = fail
        self.calls = 0
        self.running = 0
        self.peak = 0
        self.threads: list[str] = []
        self._lock = threading.Lock()

    def execute(self, checkpoint_result: CheckpointResult) -> ActionResult:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.threads.append(threading.current_thread().name)
        try:
            time.sleep(self.sleep_s)
            if self.fail:
                raise RuntimeError("sync boom")
            return ActionResult(
                action_name=self.name, action_type="blocking", status=ActionStatus.SUCCESS
            )
        finally:
            with self._lock:
                self.running -= 1


async def test_runs_in_a_thread_without_blocking_the_loop(
    failed_result: CheckpointResult,
) -> None:
    inner = BlockingAction(sleep_s=0.1)
    adapter = SyncActionAdapter(inner)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    result = await adapter.execute_async(failed_result)
    ticker.cancel()
    assert result.status is ActionStatus.SUCCESS and result.action_name == "blocker"
    assert ticks >= 3  # the loop kept running while the action slept
    assert inner.threads[0] != threading.main_thread().name
    assert (adapter.name, adapter.type_label) == ("blocker", "blocking")


async def test_uses_the_given_executor_then_the_context_one(
    failed_result: CheckpointResult,
) -> None:
    inner = BlockingAction()
    with ThreadPoolExecutor(thread_name_prefix="mine") as executor:
        await adapt_to_async(inner, executor=executor).execute_async(failed_result)
    async with AsyncExecutionContext(
        executor=ThreadPoolExecutor(thread_name_prefix="ctx")
    ) as context:
        await SyncActionAdapter(inner).execute_async(failed_result, context=context)
        context.executor.shutdown()
    assert inner.threads[0].startswith("mine") and inner.threads[1].startswith("ctx")


async def test_exception_becomes_an_error_result(failed_result: CheckpointResult) -> None:
    result = await SyncActionAdapter(BlockingAction(fail=True)).execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and result.error == "RuntimeError: sync boom"


async def test_bad_return_value_is_an_error(failed_result: CheckpointResult) -> None:
    class Sloppy:
        def execute(self, checkpoint_result: CheckpointResult) -> object:
            return "done"

    result = await adapt_to_async(Sloppy()).execute_async(failed_result)  # type: ignore[arg-type]
    assert result.status is ActionStatus.ERROR and "returned str" in result.message


def test_adapt_to_async_passes_async_actions_through() -> None:
    class Native(AsyncBaseAction):  # type: ignore[type-arg]
        async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
            raise NotImplementedError

    native = Native()
    assert adapt_to_async(native) is native
    assert isinstance(adapt_to_async(BlockingAction()), SyncActionAdapter)


def test_adapt_to_async_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="cannot run int as an action"):
        adapt_to_async(42)
    with pytest.raises(TypeError, match="str has no execute"):
        SyncActionAdapter("nope")  # type: ignore[arg-type]


async def test_timed_out_sync_action_never_runs_twice_at_once(
    failed_result: CheckpointResult,
) -> None:
    inner = BlockingAction(sleep_s=0.3, fail=True)
    adapter = SyncActionAdapter(inner, timeout_s=0.05, retry_count=3, retry_delay_s=0.01)
    result = await adapter.execute_async(failed_result)
    # Four attempts timed out or failed, yet the thread ran alone: each retry waited for it.
    assert result.status is ActionStatus.ERROR
    assert inner.peak == 1
    assert inner.calls <= 2


async def test_late_success_is_reported_instead_of_repeated(
    failed_result: CheckpointResult,
) -> None:
    inner = BlockingAction(sleep_s=0.15)
    adapter = SyncActionAdapter(inner, timeout_s=0.05, retry_count=2, retry_delay_s=0.01)
    result = await adapter.execute_async(failed_result)
    # The first call timed out but finished during the retries: it is not sent a second time.
    assert result.status is ActionStatus.SUCCESS
    assert inner.calls == 1
    # A new run afterwards calls the action again.
    await adapter.execute_async(failed_result)
    assert inner.calls == 2


async def test_to_spec_delegates_or_refuses() -> None:
    with pytest.raises(SpecError, match="BlockingAction has no spec form"):
        SyncActionAdapter(BlockingAction()).to_spec()
