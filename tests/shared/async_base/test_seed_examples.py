# ruff: noqa: E402, F841, I001  (the page's examples import mid-file, in their own order)
"""The seed page's code examples for ``async_base`` (and the actions it imports), kept as
tests. Each example is as on the page, with only the import paths changed
(``truthound.checkpoint.async_base`` -> ``shared.async_base``, ``truthound.checkpoint.actions``
-> ``shared.actions``); the lines around them supply what the page leaves implicit (configs,
URLs, a checkpoint result) and check the outcome. Examples of the runner (``async_runner``)
belong to the producer/worker and are not here; nor is the page's complete example, whose
action parts (the custom async webhook, the converted Slack action, `ConcurrentStrategy`)
tests/producer/client/test_seed_examples.py runs on both backends.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest

from shared.async_base import ActionResult, ActionStatus, TriggerResult
from shared.models import CheckpointResult
from tests.support.http_server import RecordingHTTPServer, Reply

# --- AsyncBaseAction ----------------------------------------------------------------------
from shared.async_base import AsyncBaseAction, ActionConfig


class MyConfig(ActionConfig):
    url: str = ""


payload = {"hello": "world"}


class MyAsyncAction(AsyncBaseAction[MyConfig]):
    action_type = "my_async_action"

    @property
    def url(self) -> str:  # the page's example reads `self.url`
        return self.config.url

    @classmethod
    def _default_config(cls) -> MyConfig:
        return MyConfig()

    async def _execute_async(self, checkpoint_result) -> ActionResult:  # type: ignore[no-untyped-def]
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url, json=payload) as resp:
                return ActionResult(
                    status=ActionStatus.SUCCESS,
                    action_name=self.name,
                    action_type=self.action_type,
                )


async def test_async_base_action_example(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    result = await MyAsyncAction(url=http_server.url).execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS and result.action_name == "my_async_action"
    assert http_server.bodies() == [payload]


# --- AsyncBaseTrigger ---------------------------------------------------------------------
from shared.async_base import AsyncBaseTrigger, TriggerConfig


class MyTriggerConfig(TriggerConfig):
    pass


class MyAsyncTrigger(AsyncBaseTrigger[MyTriggerConfig]):
    trigger_type = "my_async_trigger"

    def __init__(self, consumer: asyncio.Queue[object]) -> None:
        super().__init__()
        self._consumer = _Poller(consumer)

    @classmethod
    def _default_config(cls) -> MyTriggerConfig:
        return MyTriggerConfig()

    async def should_trigger_async(self) -> TriggerResult:
        # Asynchronous condition check
        message = await self._consumer.poll()
        return TriggerResult(should_run=message is not None)


class _Poller:
    def __init__(self, queue: asyncio.Queue[object]) -> None:
        self.queue = queue

    async def poll(self) -> object | None:
        return None if self.queue.empty() else await self.queue.get()


async def test_async_base_trigger_example() -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    trigger = MyAsyncTrigger(queue)
    assert not (await trigger.should_trigger_async()).should_run
    await queue.put("event")
    assert (await trigger.should_trigger_async()).should_run


# --- Protocols ----------------------------------------------------------------------------
from shared.async_base import AsyncExecutable

from shared.async_base import SyncExecutable


def test_protocol_examples() -> None:
    from shared.actions import SlackNotification

    slack = SlackNotification(webhook_url="...")
    assert isinstance(slack, AsyncExecutable) and isinstance(slack, SyncExecutable)
    assert isinstance(MyAsyncAction(), AsyncExecutable)
    assert not isinstance(MyAsyncAction(), SyncExecutable)


# --- SyncActionAdapter / adapt_to_async -----------------------------------------------------


async def test_sync_action_adapter_example(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    checkpoint_result = failed_result

    from shared.actions import SlackNotification
    from shared.async_base import SyncActionAdapter, adapt_to_async

    # Wrap synchronous action
    sync_action = SlackNotification(webhook_url="...")
    async_action = SyncActionAdapter(sync_action)

    # Or use adapt_to_async
    async_action = adapt_to_async(sync_action)

    # Execute asynchronously (uses ThreadPoolExecutor)
    await async_action.execute_async(checkpoint_result)

    # "..." is not a URL: the page's placeholder gives an error result, never a crash.
    result = await SyncActionAdapter(sync_action).execute_async(checkpoint_result)
    assert result.status is ActionStatus.ERROR
    # With a real URL the adapted action posts from a worker thread.
    sync_action = SlackNotification(webhook_url=http_server.url)
    result = await SyncActionAdapter(sync_action).execute_async(checkpoint_result)
    assert result.status is ActionStatus.SUCCESS and len(http_server.requests) == 1


async def test_adapt_to_async_executor_example(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    from shared.actions import SlackNotification
    from shared.async_base import adapt_to_async

    sync_action = SlackNotification(webhook_url=http_server.url)

    from concurrent.futures import ThreadPoolExecutor

    # Use custom executor
    executor = ThreadPoolExecutor(max_workers=8)
    async_action = adapt_to_async(sync_action, executor=executor)

    try:
        # A SlackNotification is natively async, so it passes through unchanged.
        assert async_action is sync_action
        assert (await async_action.execute_async(failed_result)).success
    finally:
        executor.shutdown()


# --- Strategies ---------------------------------------------------------------------------


class Step(AsyncBaseAction[ActionConfig]):
    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        await asyncio.sleep(0.01)
        return self._result(ActionStatus.SUCCESS)


def make_steps(count: int) -> list[Step]:
    return [Step(name=f"a{index}") for index in range(count)]


async def test_sequential_strategy_example(failed_result: CheckpointResult) -> None:
    result = failed_result
    action1, action2, action3 = make_steps(3)

    from shared.async_base import (
        AsyncExecutionContext,
        SequentialStrategy,
    )

    strategy = SequentialStrategy()
    context = AsyncExecutionContext(cancel_on_first_error=True)

    results = await strategy.execute(
        actions=[action1, action2, action3],
        checkpoint_result=result,
        context=context,
    )

    await context.aclose()
    assert [r.action_name for r in results] == ["a0", "a1", "a2"]


async def test_concurrent_strategy_example(failed_result: CheckpointResult) -> None:
    result = failed_result
    actions = make_steps(7)

    from shared.async_base import ConcurrentStrategy

    strategy = ConcurrentStrategy(max_concurrency=5)

    results = await strategy.execute(
        actions=actions,
        checkpoint_result=result,
    )

    assert [r.status for r in results] == [ActionStatus.SUCCESS] * 7


async def test_pipeline_strategy_example(failed_result: CheckpointResult) -> None:
    result = failed_result
    a0, a1, a2, a3, a4 = make_steps(5)

    from shared.async_base import PipelineStrategy

    # 3 stages: [0,1] → [2] → [3,4]
    strategy = PipelineStrategy(stages=[[0, 1], [2], [3, 4]])

    results = await strategy.execute(
        actions=[a0, a1, a2, a3, a4],
        checkpoint_result=result,
    )

    assert [r.action_name for r in results] == ["a0", "a1", "a2", "a3", "a4"]


async def test_async_execution_context_example(failed_result: CheckpointResult) -> None:
    result = failed_result
    actions = make_steps(3)
    strategy = SequentialStrategy()

    from shared.async_base import AsyncExecutionContext

    context = AsyncExecutionContext(
        executor=ThreadPoolExecutor(max_workers=4),  # For sync actions
        semaphore=asyncio.Semaphore(10),  # Concurrency limit
        timeout=30.0,  # Default timeout
        cancel_on_first_error=False,  # Abort on error
    )

    async with context:
        results = await strategy.execute(actions, result, context)

    context.executor.shutdown()  # the context leaves an executor it was given alone
    assert len(results) == 3


from shared.async_base import SequentialStrategy

# --- Decorators -----------------------------------------------------------------------------


async def test_with_retry_example(http_server: RecordingHTTPServer) -> None:
    url = f"{http_server.url}/data"
    http_server.default = Reply(body=b'{"rows": 3}', headers={"Content-Type": "application/json"})

    from shared.async_base import with_retry

    @with_retry(max_retries=3, delay=1.0, backoff=2.0)
    async def fetch_data():  # type: ignore[no-untyped-def]
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as resp:
                return await resp.json()

    assert await fetch_data() == {"rows": 3}


async def test_with_timeout_example() -> None:
    from shared.async_base import with_timeout

    @with_timeout(seconds=30.0)
    async def slow_operation():  # type: ignore[no-untyped-def]
        await asyncio.sleep(60)  # Raises TimeoutError

    # Waiting the page's 30 s is pointless: a shorter outer bound shows the wrapper is async
    # and cancellable; the timeout itself is tested with small numbers in test_decorators.
    assert slow_operation.__name__ == "slow_operation"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(slow_operation(), 0.05)


async def test_with_semaphore_example() -> None:
    running = peak = 0

    async def do_work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    from shared.async_base import with_semaphore

    semaphore = asyncio.Semaphore(5)

    @with_semaphore(semaphore)
    async def limited_operation():  # type: ignore[no-untyped-def]
        # Maximum 5 concurrent executions
        await do_work()

    await asyncio.gather(*(limited_operation() for _ in range(12)))
    assert peak == 5


# --- Mixed Sync/Async Usage --------------------------------------------------------------------


class MyAsyncWebhookConfig(ActionConfig):
    url: str = ""


class MyAsyncWebhook(AsyncBaseAction[MyAsyncWebhookConfig]):
    action_type = "test_my_async_webhook"

    @classmethod
    def _default_config(cls) -> MyAsyncWebhookConfig:
        return MyAsyncWebhookConfig()

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        return self._result(ActionStatus.SUCCESS, f"would post to {self.config.url}")


class PlainSyncSlack:
    """A purely synchronous action, as a third-party plugin might provide."""

    name = "plain_sync"

    def execute(self, checkpoint_result: CheckpointResult) -> ActionResult:
        return ActionResult(action_name=self.name, action_type="plain", status=ActionStatus.SUCCESS)


async def test_mixed_sync_async_example(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    checkpoint_result = failed_result

    from shared.actions import SlackNotification
    from shared.async_base import ConcurrentStrategy, adapt_to_async

    # Synchronous action
    sync_action = SlackNotification(webhook_url="...")

    # Asynchronous action
    async_action = MyAsyncWebhook(url="...")

    # Convert all to async
    actions = [
        adapt_to_async(sync_action),  # Runs in ThreadPoolExecutor
        async_action,  # Native async execution
    ]

    # Execute concurrently
    strategy = ConcurrentStrategy(max_concurrency=5)
    results = await strategy.execute(actions, checkpoint_result)

    assert [r.status for r in results] == [ActionStatus.ERROR, ActionStatus.SUCCESS]
    # And a truly synchronous action in the same list runs in a thread.
    results = await strategy.execute([PlainSyncSlack(), async_action], checkpoint_result)
    assert all(r.success for r in results)
