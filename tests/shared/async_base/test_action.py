from __future__ import annotations

import asyncio
import time

import pytest

from shared.async_base import (
    ActionConfig,
    ActionResult,
    ActionStatus,
    AsyncBaseAction,
    AsyncExecutable,
    AsyncExecutionContext,
    NotifyOn,
)
from shared.async_base.retry import backoff_delay_s
from shared.errors import ConfigError, SpecError
from shared.models import CheckpointResult, CheckpointStatus
from shared.specs import ACTIONS, build_component, component_spec
from tests.support.results import make_result


class FlakyConfig(ActionConfig):
    failures: int = 0
    sleep_s: float = 0.0
    mode: str = "raise"  # or "result" (retryable error) or "final" (non-retryable error)


class FlakyAction(AsyncBaseAction[FlakyConfig]):
    """Fails `failures` times, then succeeds; records when each attempt started."""

    action_type = "test_flaky"

    def __init__(self, config: FlakyConfig | None = None, /, **overrides: object) -> None:
        super().__init__(config, **overrides)
        self.attempts: list[float] = []

    @classmethod
    def _default_config(cls) -> FlakyConfig:
        return FlakyConfig()

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        self.attempts.append(time.monotonic())
        await asyncio.sleep(self.config.sleep_s)
        if len(self.attempts) <= self.config.failures:
            if self.config.mode == "raise":
                raise ConnectionError(f"boom {len(self.attempts)}")
            retryable = self.config.mode == "result"
            return self._result(ActionStatus.ERROR, "server said no", retryable=retryable)
        return self._result(ActionStatus.SUCCESS, "done")


FAST = {"retry_delay_s": 0.02, "retry_jitter": 0.0}


def test_registered_and_named_stably() -> None:
    assert ACTIONS.get("test_flaky") is FlakyAction
    assert FlakyAction().name == "test_flaky"
    assert FlakyAction(name="n").name == "n"
    assert repr(FlakyAction(name="n")) == "FlakyAction(name='n', type='test_flaky')"
    assert isinstance(FlakyAction(), AsyncExecutable)


def test_spec_round_trip() -> None:
    action = FlakyAction(name="a", failures=2, timeout_seconds=3, notify_on="all")
    spec = component_spec(action, path="actions[0]")
    assert spec == {
        "type": "test_flaky",
        "name": "a",
        "failures": 2,
        "timeout_s": 3.0,
    }
    rebuilt = build_component(ACTIONS, spec, path="actions[0]")
    assert isinstance(rebuilt, FlakyAction) and rebuilt.config == action.config


async def test_success_is_stamped(failed_result: CheckpointResult) -> None:
    result = await FlakyAction().execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS
    assert (result.action_name, result.action_type) == ("test_flaky", "test_flaky")
    assert result.started_at is not None and result.completed_at is not None
    assert result.completed_at >= result.started_at
    assert result.details["attempts"] == 1


@pytest.mark.parametrize(
    ("notify_on", "runs_for"),
    [
        ("always", {"success", "warning", "failure", "error"}),
        ("all", {"success", "warning", "failure", "error"}),
        ("success", {"success"}),
        ("failure", {"failure"}),
        ("error", {"error"}),
        ("warning", {"warning"}),
        ("failure_or_error", {"failure", "error"}),
        ("not_success", {"warning", "failure", "error"}),
    ],
)
async def test_notify_on(notify_on: str, runs_for: set[str]) -> None:
    action = FlakyAction(notify_on=notify_on)
    for status in CheckpointStatus:
        result = await action.execute_async(make_result(status))
        if status.value in runs_for:
            assert result.status is ActionStatus.SUCCESS, status
        else:
            assert result.status is ActionStatus.SKIPPED, status
            assert f"notify_on={action.notify_on.value}" in result.message
            assert status.value in result.message


def test_unknown_notify_on_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="test_flaky: notify_on: "):
        FlakyAction(notify_on="sometimes")


async def test_disabled_action_is_skipped(failed_result: CheckpointResult) -> None:
    action = FlakyAction(enabled=False)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.SKIPPED and "disabled" in result.message
    assert action.attempts == []


async def test_retries_exceptions_with_exponential_backoff(
    failed_result: CheckpointResult,
) -> None:
    action = FlakyAction(failures=3, retry_count=3, retry_backoff=2.0, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS
    assert result.details["attempts"] == 4
    gaps = [b - a for a, b in zip(action.attempts, action.attempts[1:], strict=False)]
    # 20, 40, 80 ms: each gap at least its delay, and growing.
    for gap, delay in zip(gaps, [0.02, 0.04, 0.08], strict=True):
        assert gap >= delay * 0.9
    assert gaps[2] > gaps[0]


async def test_retry_delay_is_capped(failed_result: CheckpointResult) -> None:
    action = FlakyAction(
        failures=2, retry_count=2, retry_delay_s=0.02, retry_backoff=10, retry_max_delay_s=0.03
    )
    await action.execute_async(failed_result)
    second_gap = action.attempts[2] - action.attempts[1]
    assert 0.027 <= second_gap < 0.15  # capped at 30 ms instead of 200 ms


def test_jitter_spreads_delays_within_bounds() -> None:
    plain = {backoff_delay_s(2, base_s=0.1, factor=2.0, jitter=0.0) for _ in range(20)}
    assert plain == {0.2}
    spread = [backoff_delay_s(2, base_s=0.1, factor=2.0, jitter=0.5) for _ in range(200)]
    assert all(0.1 <= delay <= 0.3 for delay in spread)
    assert min(spread) < 0.18 and max(spread) > 0.22
    capped = [backoff_delay_s(9, base_s=1, factor=2, max_s=5, jitter=0.5) for _ in range(50)]
    assert max(capped) <= 5


async def test_gives_up_with_the_last_cause(failed_result: CheckpointResult) -> None:
    action = FlakyAction(failures=5, retry_count=2, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR
    assert len(action.attempts) == 3
    assert result.error == "ConnectionError: boom 3"
    assert "after 3 attempts" in result.message


async def test_retryable_error_results_are_retried(failed_result: CheckpointResult) -> None:
    action = FlakyAction(failures=1, mode="result", retry_count=2, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS and len(action.attempts) == 2


async def test_final_error_results_are_not_retried(failed_result: CheckpointResult) -> None:
    action = FlakyAction(failures=1, mode="final", retry_count=2, **FAST)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and len(action.attempts) == 1


async def test_timeout_applies_to_each_attempt(failed_result: CheckpointResult) -> None:
    action = FlakyAction(sleep_s=5, timeout_s=0.05, retry_count=1, **FAST)
    started = time.monotonic()
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR
    assert result.error == "timed out after 0.05 s"
    assert len(action.attempts) == 2
    assert time.monotonic() - started < 2


async def test_context_timeout_is_the_default(failed_result: CheckpointResult) -> None:
    context = AsyncExecutionContext(timeout=0.05)
    slow = await FlakyAction(sleep_s=5).execute_async(failed_result, context=context)
    assert slow.error == "timed out after 0.05 s"
    own = FlakyAction(sleep_s=0.1, timeout_s=2)
    assert (await own.execute_async(failed_result, context=context)).success


async def test_cancellation_propagates_at_once_and_is_not_retried(
    failed_result: CheckpointResult,
) -> None:
    action = FlakyAction(sleep_s=10, retry_count=5, **FAST)
    task = asyncio.create_task(action.execute_async(failed_result))
    await asyncio.sleep(0.05)
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - cancelled_at < 0.1
    assert len(action.attempts) == 1


async def test_config_errors_are_not_retried(failed_result: CheckpointResult) -> None:
    class Misconfigured(AsyncBaseAction[ActionConfig]):
        calls = 0

        async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
            Misconfigured.calls += 1
            raise ConfigError("token missing")

    action = Misconfigured(retry_count=3)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and Misconfigured.calls == 1
    assert result.action_type == "Misconfigured"
    with pytest.raises(SpecError, match="Misconfigured sets no action_type"):
        component_spec(action, path="actions[0]")


def test_config_fields_and_aliases() -> None:
    config = ActionConfig(timeout_seconds=5, retry_delay_seconds=0.5)
    assert (config.timeout_s, config.retry_delay_s) == (5, 0.5)
    assert ActionConfig().notify_on is NotifyOn.ALWAYS
    action = FlakyAction(FlakyConfig(timeout_s=1), retry_delay_seconds=2)
    assert (action.config.timeout_s, action.config.retry_delay_s) == (1, 2)
    with pytest.raises(ConfigError, match="not both"):
        FlakyAction(timeout_s=1, timeout_seconds=2)
    with pytest.raises(ConfigError, match="test_flaky: retry_cuont: unknown field"):
        FlakyAction(retry_cuont=1)
    with pytest.raises(ConfigError, match="timeout_s"):
        FlakyAction(timeout_s=0)
