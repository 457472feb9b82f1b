"""Execution strategies: in which order and how concurrently a checkpoint's actions run.

Each strategy returns one `ActionResult` per action, in input order, whatever happens to the
others: an action's exception becomes its own `error` result. With `cancel_on_first_error`
(on the strategy or the context) the first `error` or `failure` stops the rest, whose results
are `skipped` with the reason. Strategies travel in specs by name (`shared.specs.STRATEGIES`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, ClassVar, Self

from shared.async_base.action import AsyncBaseAction
from shared.async_base.adapter import adapt_to_async
from shared.async_base.context import AsyncExecutionContext
from shared.async_base.once import current_run_actions
from shared.async_base.protocols import AsyncExecutable
from shared.errors import ConfigError
from shared.models import ActionResult, ActionStatus, CheckpointResult
from shared.specs import STRATEGIES, TYPE_FIELD

_FAILED = (ActionStatus.ERROR, ActionStatus.FAILURE)


def _labels(action: object) -> tuple[str, str]:
    name, action_type = getattr(action, "name", None), getattr(action, "action_type", None)
    if isinstance(action, AsyncBaseAction):
        action_type = action.type_label
    label = type(action).__name__
    return (
        name if isinstance(name, str) and name else label,
        action_type if isinstance(action_type, str) and action_type else label,
    )


def _labelled(action: object, status: ActionStatus, message: str, **extra: Any) -> ActionResult:
    name, action_type = _labels(action)
    return ActionResult(
        action_name=name, action_type=action_type, status=status, message=message, **extra
    )


async def run_action(
    action: AsyncExecutable,
    checkpoint_result: CheckpointResult,
    context: AsyncExecutionContext | None = None,
) -> ActionResult:
    """One action under the context's limits; whatever it raises becomes its `error` result.
    Within a run bound to an action ledger (`shared.async_base.once`), an action that started
    in an earlier attempt of the run is not run again: its recorded outcome is reported."""
    once = current_run_actions()
    key = once.key_of(action) if once is not None else None
    if once is None or key is None:
        return await _run_action(action, checkpoint_result, context)
    name, action_type = _labels(action)
    earlier = await once.ledger.begin(once.run_id, key)
    if earlier is not None:
        return earlier.model_copy(update={"action_name": name, "action_type": action_type})
    result = await _run_action(action, checkpoint_result, context)
    await once.ledger.end(once.run_id, key, result)
    return result


async def _run_action(
    action: AsyncExecutable,
    checkpoint_result: CheckpointResult,
    context: AsyncExecutionContext | None,
) -> ActionResult:
    _, action_type = _labels(action)
    limit: AbstractAsyncContextManager[None] = (
        context.limit(action_type) if context is not None else nullcontext()
    )
    try:
        async with limit:
            if isinstance(action, AsyncBaseAction):
                result: object = await action.execute_async(checkpoint_result, context=context)
            else:
                async with asyncio.timeout(context.timeout if context is not None else None):
                    result = await action.execute_async(checkpoint_result)
    except TimeoutError:
        return _labelled(action, ActionStatus.ERROR, "timed out", error="timeout")
    except Exception as exc:  # isolate the failure to this action's result
        cause = f"{type(exc).__name__}: {exc}"
        return _labelled(action, ActionStatus.ERROR, f"action raised {cause}", error=cause)
    if not isinstance(result, ActionResult):
        message = f"execute_async returned {type(result).__name__}, not an ActionResult"
        return _labelled(action, ActionStatus.ERROR, message, error="bad return value")
    return result


def _stopped_by(failed: ActionResult) -> str:
    return (
        f"not run: action {failed.action_name!r} ended with {failed.status.value} "
        "and cancel_on_first_error is set"
    )


async def run_concurrently(
    actions: Mapping[int, AsyncExecutable],
    checkpoint_result: CheckpointResult,
    context: AsyncExecutionContext | None,
    *,
    max_concurrency: int | None = None,
    cancel_on_first_error: bool = False,
) -> dict[int, ActionResult]:
    """Run `actions` (by index) at once, at most `max_concurrency` at a time."""
    # Created here, inside the running loop, so it is never bound to another loop.
    bound = asyncio.Semaphore(max_concurrency) if max_concurrency else None

    async def run_bounded(action: AsyncExecutable) -> ActionResult:
        if bound is None:
            return await run_action(action, checkpoint_result, context)
        async with bound:
            return await run_action(action, checkpoint_result, context)

    tasks = {asyncio.create_task(run_bounded(action)): index for index, action in actions.items()}
    results: dict[int, ActionResult] = {}
    pending = set(tasks)
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            finished = sorted(done, key=tasks.__getitem__)
            for task in finished:
                results[tasks[task]] = task.result()
            outcomes = [results[tasks[task]] for task in finished]
            failed = next((outcome for outcome in outcomes if _is_failed(outcome)), None)
            if cancel_on_first_error and failed is not None and pending:
                await _cancel(pending)
                for task in pending:
                    index = tasks[task]
                    if task.cancelled():
                        results[index] = _labelled(
                            actions[index], ActionStatus.SKIPPED, _stopped_by(failed)
                        )
                    else:  # it finished before the cancellation reached it
                        results[index] = task.result()
                pending = set()
    except BaseException:
        await _cancel(pending)  # our caller was cancelled: take every action down with us
        raise
    return results


async def _cancel(tasks: set[asyncio.Task[ActionResult]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _is_failed(result: ActionResult) -> bool:
    return result.status in _FAILED


class ExecutionStrategy:
    """Base of strategies; subclasses set `strategy_type` and implement `_execute`."""

    strategy_type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        STRATEGIES.register_subclass(cls, "strategy_type")

    def __init__(self, *, cancel_on_first_error: bool = False) -> None:
        self.cancel_on_first_error = cancel_on_first_error

    async def execute(
        self,
        actions: Sequence[object],
        checkpoint_result: CheckpointResult,
        context: AsyncExecutionContext | None = None,
    ) -> list[ActionResult]:
        """One result per action, in input order; sync actions are adapted automatically."""
        runnable = [adapt_to_async(action) for action in actions]
        return await self._execute(runnable, checkpoint_result, context)

    async def _execute(
        self,
        actions: list[AsyncExecutable],
        checkpoint_result: CheckpointResult,
        context: AsyncExecutionContext | None,
    ) -> list[ActionResult]:
        raise NotImplementedError

    def _cancels(self, context: AsyncExecutionContext | None) -> bool:
        return self.cancel_on_first_error or (context is not None and context.cancel_on_first_error)

    def _spec_fields(self) -> dict[str, Any]:
        return {"cancel_on_first_error": True} if self.cancel_on_first_error else {}

    def to_spec(self) -> dict[str, Any]:
        """``{"type": <strategy>, **settings}``."""
        return {TYPE_FIELD: self.strategy_type, **self._spec_fields()}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Self:
        known = [name for name in inspect.signature(cls).parameters if name != "self"]
        unknown = [key for key in spec if key not in known]
        if unknown:
            listing = ", ".join(repr(key) for key in unknown)
            raise ConfigError(
                f"{cls.strategy_type} strategy: unknown field {listing}; known: {', '.join(known)}"
            )
        try:
            return cls(**dict(spec))
        except TypeError as exc:
            raise ConfigError(f"{cls.strategy_type} strategy: {exc}") from None

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={value!r}" for key, value in self._spec_fields().items())
        return f"{type(self).__name__}({fields})"


class SequentialStrategy(ExecutionStrategy):
    """One action after the other, in order: for actions that depend on each other."""

    strategy_type = "sequential"

    async def _execute(
        self,
        actions: list[AsyncExecutable],
        checkpoint_result: CheckpointResult,
        context: AsyncExecutionContext | None,
    ) -> list[ActionResult]:
        results: list[ActionResult] = []
        stop_reason: str | None = None
        for action in actions:
            if stop_reason is not None:
                results.append(_labelled(action, ActionStatus.SKIPPED, stop_reason))
                continue
            result = await run_action(action, checkpoint_result, context)
            results.append(result)
            if self._cancels(context) and _is_failed(result):
                stop_reason = _stopped_by(result)
        return results


class ConcurrentStrategy(ExecutionStrategy):
    """All actions at once, bounded by `max_concurrency` and the context's limits."""

    strategy_type = "concurrent"

    def __init__(
        self, max_concurrency: int | None = None, *, cancel_on_first_error: bool = False
    ) -> None:
        if max_concurrency is not None and (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or max_concurrency < 1
        ):
            raise ConfigError("concurrent strategy: max_concurrency must be an integer >= 1")
        super().__init__(cancel_on_first_error=cancel_on_first_error)
        self.max_concurrency = max_concurrency

    def _spec_fields(self) -> dict[str, Any]:
        fields = {"max_concurrency": self.max_concurrency} if self.max_concurrency else {}
        return {**fields, **super()._spec_fields()}

    async def _execute(
        self,
        actions: list[AsyncExecutable],
        checkpoint_result: CheckpointResult,
        context: AsyncExecutionContext | None,
    ) -> list[ActionResult]:
        results = await run_concurrently(
            dict(enumerate(actions)),
            checkpoint_result,
            context,
            max_concurrency=self.max_concurrency,
            cancel_on_first_error=self._cancels(context),
        )
        return [results[index] for index in range(len(actions))]


class PipelineStrategy(ExecutionStrategy):
    """Stages in order, the actions of one stage concurrently: ``[[0, 1], [2], [3, 4]]``."""

    strategy_type = "pipeline"

    def __init__(
        self, stages: Sequence[Sequence[int]], *, cancel_on_first_error: bool = False
    ) -> None:
        super().__init__(cancel_on_first_error=cancel_on_first_error)
        self.stages: list[list[int]] = validate_stages(stages)
        self.action_count = sum(len(stage) for stage in self.stages)

    def _spec_fields(self) -> dict[str, Any]:
        return {"stages": [list(stage) for stage in self.stages], **super()._spec_fields()}

    async def _execute(
        self,
        actions: list[AsyncExecutable],
        checkpoint_result: CheckpointResult,
        context: AsyncExecutionContext | None,
    ) -> list[ActionResult]:
        if len(actions) != self.action_count:
            raise ConfigError(
                f"pipeline strategy: stages name indices 0..{self.action_count - 1} "
                f"but {len(actions)} actions were given"
            )
        results: dict[int, ActionResult] = {}
        stop_reason: str | None = None
        for stage in self.stages:
            if stop_reason is not None:
                for index in stage:
                    results[index] = _labelled(actions[index], ActionStatus.SKIPPED, stop_reason)
                continue
            cancels = self._cancels(context)
            stage_results = await run_concurrently(
                {index: actions[index] for index in stage},
                checkpoint_result,
                context,
                cancel_on_first_error=cancels,
            )
            results.update(stage_results)
            failed = next((stage_results[i] for i in stage if _is_failed(stage_results[i])), None)
            if cancels and failed is not None:
                stop_reason = _stopped_by(failed)
        return [results[index] for index in range(len(actions))]


def validate_stages(stages: object) -> list[list[int]]:
    """`stages` as lists of indices covering 0..n-1 exactly once; `ConfigError` otherwise."""
    where = "pipeline strategy: stages"
    if isinstance(stages, str | bytes) or not isinstance(stages, Sequence):
        raise ConfigError(f"{where} must be a list of lists of action indices")
    seen: dict[int, int] = {}
    checked: list[list[int]] = []
    for number, stage in enumerate(stages):
        if isinstance(stage, str | bytes) or not isinstance(stage, Sequence) or not stage:
            raise ConfigError(f"{where}[{number}] must be a non-empty list of action indices")
        for index in stage:
            if isinstance(index, bool) or not isinstance(index, int):
                raise ConfigError(f"{where}[{number}]: {index!r} is not an action index")
            if index < 0:
                raise ConfigError(f"{where}[{number}]: index {index} is out of range")
            if index in seen:
                raise ConfigError(
                    f"{where}: index {index} appears in stage {seen[index]} and stage {number}"
                )
            seen[index] = number
        checked.append(list(stage))
    missing = sorted(set(range(len(seen))) - set(seen))
    if missing:
        raise ConfigError(
            f"{where}: no stage runs index {', '.join(map(str, missing))} "
            f"(indices must cover 0..{max(seen)} with no gap)"
        )
    return checked
