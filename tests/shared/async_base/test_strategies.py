from __future__ import annotations

import asyncio
import time

import pytest

from shared.async_base import (
    ActionConfig,
    ActionResult,
    ActionStatus,
    AsyncBaseAction,
    AsyncExecutionContext,
    ConcurrentStrategy,
    PipelineStrategy,
    SequentialStrategy,
)
from shared.errors import ConfigError, SpecError, UnknownTypeError
from shared.models import CheckpointResult
from shared.specs import STRATEGIES, build_component


class Tracker:
    """Shared log of what the probe actions did, and how many ran at once."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.running = 0
        self.peak = 0


class ProbeConfig(ActionConfig):
    sleep_s: float = 0.01
    outcome: str = "success"  # success | error | raise


class Probe(AsyncBaseAction[ProbeConfig]):
    def __init__(self, tracker: Tracker, name: str, **overrides: object) -> None:
        super().__init__(name=name, **overrides)
        self.tracker = tracker

    @classmethod
    def _default_config(cls) -> ProbeConfig:
        return ProbeConfig()

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        tracker = self.tracker
        tracker.started.append(self.name)
        tracker.running += 1
        tracker.peak = max(tracker.peak, tracker.running)
        try:
            await asyncio.sleep(self.config.sleep_s)
        finally:
            tracker.running -= 1
        tracker.finished.append(self.name)
        if self.config.outcome == "raise":
            raise ValueError(f"{self.name} exploded")
        return self._result(ActionStatus(self.config.outcome))


class SyncProbe:
    name = "sync"

    def execute(self, checkpoint_result: CheckpointResult) -> ActionResult:
        return ActionResult(action_name="sync", action_type="sync", status=ActionStatus.SUCCESS)


def probes(tracker: Tracker, count: int, **overrides: object) -> list[Probe]:
    return [Probe(tracker, f"a{index}", **overrides) for index in range(count)]


def names(results: list[ActionResult]) -> list[str]:
    return [result.action_name for result in results]


def statuses(results: list[ActionResult]) -> list[str]:
    return [result.status.value for result in results]


async def test_sequential_runs_in_order(failed_result: CheckpointResult) -> None:
    tracker = Tracker()
    actions = [
        Probe(tracker, "slow", sleep_s=0.05),
        Probe(tracker, "fast", sleep_s=0),
        Probe(tracker, "mid", sleep_s=0.02),
    ]
    results = await SequentialStrategy().execute(actions, failed_result)
    assert names(results) == ["slow", "fast", "mid"]
    assert tracker.finished == ["slow", "fast", "mid"] and tracker.peak == 1


async def test_sequential_cancel_on_first_error_skips_the_rest(
    failed_result: CheckpointResult,
) -> None:
    tracker = Tracker()
    actions = [Probe(tracker, "ok"), Probe(tracker, "bad", outcome="raise"), Probe(tracker, "x")]
    context = AsyncExecutionContext(cancel_on_first_error=True)
    results = await SequentialStrategy().execute(
        actions=actions, checkpoint_result=failed_result, context=context
    )
    assert statuses(results) == ["success", "error", "skipped"]
    assert "'bad' ended with error" in results[2].message
    assert tracker.started == ["ok", "bad"]
    # Without the flag every action runs.
    results = await SequentialStrategy().execute(actions, failed_result)
    assert statuses(results) == ["success", "error", "success"]


async def test_concurrent_runs_at_once_and_keeps_input_order(
    failed_result: CheckpointResult,
) -> None:
    tracker = Tracker()
    actions = [
        Probe(tracker, "slow", sleep_s=0.08),
        Probe(tracker, "fast", sleep_s=0.0),
        Probe(tracker, "mid", sleep_s=0.04),
    ]
    results = await ConcurrentStrategy().execute(actions, failed_result)
    assert names(results) == ["slow", "fast", "mid"]
    assert tracker.finished == ["fast", "mid", "slow"]
    assert tracker.peak == 3


@pytest.mark.parametrize("limit", [1, 3])
async def test_concurrent_respects_max_concurrency(
    failed_result: CheckpointResult, limit: int
) -> None:
    tracker = Tracker()
    strategy = ConcurrentStrategy(max_concurrency=limit)
    results = await strategy.execute(probes(tracker, 8, sleep_s=0.02), failed_result)
    assert len(results) == 8 and all(result.success for result in results)
    assert tracker.peak == limit


async def test_concurrent_respects_the_context_semaphore_and_type_limits(
    failed_result: CheckpointResult,
) -> None:
    tracker = Tracker()
    context = AsyncExecutionContext(semaphore=asyncio.Semaphore(2))
    await ConcurrentStrategy().execute(probes(tracker, 6, sleep_s=0.02), failed_result, context)
    assert tracker.peak == 2

    tracker = Tracker()
    context = AsyncExecutionContext(type_limits={"Probe": 3})
    await ConcurrentStrategy().execute(probes(tracker, 6, sleep_s=0.02), failed_result, context)
    assert tracker.peak == 3


async def test_concurrent_isolates_errors(failed_result: CheckpointResult) -> None:
    tracker = Tracker()
    actions = [
        Probe(tracker, "a"),
        Probe(tracker, "boom", outcome="raise", sleep_s=0),
        Probe(tracker, "c", sleep_s=0.03),
    ]
    results = await ConcurrentStrategy().execute(actions, failed_result)
    assert statuses(results) == ["success", "error", "success"]
    assert results[1].error == "ValueError: boom exploded"


async def test_concurrent_isolates_exceptions_from_foreign_actions(
    failed_result: CheckpointResult,
) -> None:
    class Rogue:
        name = "rogue"

        async def execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
            raise RuntimeError("not an AsyncBaseAction")

    results = await ConcurrentStrategy().execute([Rogue(), SyncProbe()], failed_result)
    assert statuses(results) == ["error", "success"]
    assert results[0].action_name == "rogue" and "not an AsyncBaseAction" in results[0].message


async def test_concurrent_cancel_on_first_error_cancels_the_rest(
    failed_result: CheckpointResult,
) -> None:
    tracker = Tracker()
    actions = [
        Probe(tracker, "long", sleep_s=5),
        Probe(tracker, "bad", outcome="error", sleep_s=0.01),
        Probe(tracker, "quick", sleep_s=0),
    ]
    started = time.monotonic()
    results = await ConcurrentStrategy(cancel_on_first_error=True).execute(actions, failed_result)
    assert time.monotonic() - started < 2
    assert statuses(results) == ["skipped", "error", "success"]
    assert "cancel_on_first_error" in results[0].message
    assert "long" not in tracker.finished


async def test_strategy_cancellation_cancels_every_action(
    failed_result: CheckpointResult,
) -> None:
    tracker = Tracker()
    task = asyncio.create_task(
        ConcurrentStrategy().execute(probes(tracker, 3, sleep_s=10), failed_result)
    )
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert tracker.running == 0 and tracker.finished == []


async def test_pipeline_runs_stages_in_order(failed_result: CheckpointResult) -> None:
    tracker = Tracker()
    actions = [
        Probe(tracker, "a0", sleep_s=0.04),
        Probe(tracker, "a1", sleep_s=0.0),
        Probe(tracker, "a2", sleep_s=0.0),
        Probe(tracker, "a3", sleep_s=0.02),
        Probe(tracker, "a4", sleep_s=0.0),
    ]
    strategy = PipelineStrategy(stages=[[0, 1], [2], [3, 4]])
    results = await strategy.execute(actions, failed_result)
    assert names(results) == ["a0", "a1", "a2", "a3", "a4"]
    position = {name: index for index, name in enumerate(tracker.finished)}
    assert max(position["a0"], position["a1"]) < position["a2"]
    assert position["a2"] < min(position["a3"], position["a4"])
    assert tracker.started.index("a2") > tracker.finished.index("a0")
    assert tracker.peak == 2  # concurrency within a stage, never across


async def test_pipeline_cancel_on_first_error(failed_result: CheckpointResult) -> None:
    tracker = Tracker()
    actions = [
        Probe(tracker, "a0", outcome="error", sleep_s=0),
        Probe(tracker, "a1", sleep_s=5),
        Probe(tracker, "a2"),
    ]
    strategy = PipelineStrategy([[0, 1], [2]], cancel_on_first_error=True)
    results = await strategy.execute(actions, failed_result)
    assert statuses(results) == ["error", "skipped", "skipped"]
    assert tracker.started == ["a0", "a1"]
    # Without the flag later stages still run.
    results = await PipelineStrategy([[0], [2], [1]]).execute(
        [Probe(tracker, "b0", outcome="error"), Probe(tracker, "b1"), Probe(tracker, "b2")],
        failed_result,
    )
    assert statuses(results) == ["error", "success", "success"]


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([[0, 1], [3]], "no stage runs index 2"),
        ([[0, 1], [1]], "index 1 appears in stage 0 and stage 1"),
        ([[0], [-1]], "index -1 is out of range"),
        ([[0], []], r"stages\[1\] must be a non-empty list"),
        ([[0, "1"]], "'1' is not an action index"),
        ([[0, True]], "True is not an action index"),
        ("01", "must be a list of lists"),
    ],
)
def test_pipeline_stage_errors_at_construction(stages: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PipelineStrategy(stages)  # type: ignore[arg-type]


async def test_pipeline_with_the_wrong_number_of_actions(failed_result: CheckpointResult) -> None:
    strategy = PipelineStrategy([[0, 1], [2]])
    with pytest.raises(ConfigError, match=r"indices 0\.\.2 but 2 actions were given"):
        await strategy.execute(probes(Tracker(), 2), failed_result)


async def test_mixed_sync_and_async_actions(failed_result: CheckpointResult) -> None:
    tracker = Tracker()
    for strategy in (SequentialStrategy(), ConcurrentStrategy(2), PipelineStrategy([[1], [0]])):
        results = await strategy.execute([SyncProbe(), Probe(tracker, "async")], failed_result)
        assert names(results) == ["sync", "async"] and all(r.success for r in results)


async def test_non_actions_are_a_type_error(failed_result: CheckpointResult) -> None:
    with pytest.raises(TypeError, match="cannot run object"):
        await SequentialStrategy().execute([object()], failed_result)


def test_strategies_travel_in_specs() -> None:
    cases = [
        (SequentialStrategy(), {"type": "sequential"}),
        (ConcurrentStrategy(max_concurrency=5), {"type": "concurrent", "max_concurrency": 5}),
        (PipelineStrategy([[0, 1], [2]]), {"type": "pipeline", "stages": [[0, 1], [2]]}),
        (
            SequentialStrategy(cancel_on_first_error=True),
            {"type": "sequential", "cancel_on_first_error": True},
        ),
    ]
    for strategy, spec in cases:
        assert strategy.to_spec() == spec
        rebuilt = build_component(STRATEGIES, spec, path="strategy")
        assert type(rebuilt) is type(strategy) and rebuilt.to_spec() == spec
    assert isinstance(build_component(STRATEGIES, "concurrent", path="s"), ConcurrentStrategy)


def test_strategy_spec_errors() -> None:
    with pytest.raises(UnknownTypeError, match="known: concurrent, pipeline, sequential"):
        build_component(STRATEGIES, {"type": "parallel"}, path="strategy")
    with pytest.raises(SpecError, match=r"strategy: concurrent strategy: .*workers"):
        build_component(STRATEGIES, {"type": "concurrent", "workers": 3}, path="strategy")
    with pytest.raises(SpecError, match="max_concurrency must be an integer >= 1"):
        build_component(STRATEGIES, {"type": "concurrent", "max_concurrency": 0}, path="s")
    with pytest.raises(SpecError, match="no stage runs index 1"):
        build_component(STRATEGIES, {"type": "pipeline", "stages": [[0], [2]]}, path="s")
