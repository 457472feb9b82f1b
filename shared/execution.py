"""The code that executes one checkpoint, shared by the arq worker and the in-process backend
so both behave identically: validation in a thread pool (the event loop never blocks), then the
actions through the checkpoint's strategy, all within the checkpoint's `timeout_s`.

Nothing raises out of `CheckpointExecutor.execute_request` but cancellation: a bad request, an
unknown checkpoint, a broken spec, an inline spec the trust policy refuses or an unexpected
exception (a `SystemExit` from user code included) each become a result with status `error`
whose message says what was wrong and where.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from shared.actions.http import close_http_session
from shared.async_base import AsyncExecutionContext
from shared.catalog import CheckpointCatalog
from shared.checkpoint import Checkpoint
from shared.errors import CheckpointTimeoutError, ConfigError
from shared.job import RunRequest
from shared.logs import bind_run
from shared.models import ActionResult, ActionStatus, CheckpointResult, CheckpointStatus
from shared.sources import guard_sources
from shared.trust.policy import InlineSpecPolicy
from shared.trust.redaction import process_redactor, redact_result
from shared.validation import error_result, validate_checkpoint
from shared.validators.history import DistributionHistory

logger = logging.getLogger(__name__)


class CheckpointExecutor:
    """Runs checkpoints with long-lived resources: a thread pool for polars and the action
    context whose semaphores bound actions across every checkpoint of the process."""

    def __init__(
        self,
        *,
        thread_pool: Executor,
        action_context: AsyncExecutionContext,
        history: DistributionHistory | None = None,
    ) -> None:
        self._thread_pool = thread_pool
        self._action_context = action_context
        #: Earlier runs, for validators comparing with them; None until history is kept.
        self._history = history

    async def execute_request(
        self,
        request: RunRequest,
        *,
        run_id: str,
        catalog: CheckpointCatalog,
        policy: InlineSpecPolicy | None = None,
        max_timeout_s: float | None = None,
    ) -> CheckpointResult:
        """The result of the run `request` asks for, under `run_id`.

        An inline spec is first checked against `policy` (None: trusted, as a signed request
        or an in-process run is) and, when it may run, reads only what the policy allows.
        Every run ends within `max_timeout_s` (the worker's job limit), whatever its spec says.
        """
        guard = None
        try:
            if policy is not None and isinstance(request.checkpoint, dict):
                await policy.check(request.checkpoint)
                guard = policy.read_guard()
            checkpoint = catalog.resolve(request)
        except ConfigError as exc:
            return error_result(
                request.checkpoint_label, run_id=run_id, message=str(exc), context=request.context
            )
        with guard_sources(guard):
            return await self.execute(
                checkpoint, run_id=run_id, context=request.context, max_timeout_s=max_timeout_s
            )

    async def execute(
        self,
        checkpoint: Checkpoint,
        *,
        run_id: str,
        context: Mapping[str, Any] | None = None,
        max_timeout_s: float | None = None,
    ) -> CheckpointResult:
        """Validate, then run the actions; an `error` result on timeout or any failure."""
        label = checkpoint.name if isinstance(checkpoint.name, str) else repr(checkpoint.name)
        with bind_run(run_id, label):
            return await self._execute(
                checkpoint, run_id=run_id, context=context, max_timeout_s=max_timeout_s
            )

    async def _execute(
        self,
        checkpoint: Checkpoint,
        *,
        run_id: str,
        context: Mapping[str, Any] | None,
        max_timeout_s: float | None,
    ) -> CheckpointResult:
        started = time.perf_counter()
        cancel = threading.Event()
        timeout_s = _usable_timeout(checkpoint.timeout_s, max_timeout_s)
        try:
            async with asyncio.timeout(timeout_s):
                result = await self._validate(checkpoint, run_id, context, cancel)
                await self._run_actions(checkpoint, result)
        except TimeoutError:
            cancel.set()  # stops the validation thread at its next check
            timeout = CheckpointTimeoutError(checkpoint.name, float(timeout_s or 0.0))
            result = error_result(checkpoint, run_id=run_id, message=str(timeout), context=context)
        except asyncio.CancelledError:
            cancel.set()
            raise
        except GeneratorExit:
            raise
        except BaseException as exc:  # the job boundary: report, never crash the worker, even
            # for a SystemExit or KeyboardInterrupt that user code raised
            logger.exception("checkpoint %s run %s failed unexpectedly", checkpoint.name, run_id)
            message = f"could not run: {type(exc).__name__}: {exc}"
            result = error_result(checkpoint, run_id=run_id, message=message, context=context)
        result.duration_ms = (time.perf_counter() - started) * 1000
        return redact_result(result, process_redactor(_secret_values(checkpoint.actions)))

    async def _validate(
        self,
        checkpoint: Checkpoint,
        run_id: str,
        context: Mapping[str, Any] | None,
        cancel: threading.Event,
    ) -> CheckpointResult:
        loop = asyncio.get_running_loop()
        # run_in_executor does not carry context variables: copy them, so the validation
        # thread's log lines name the run too.
        run_context = contextvars.copy_context()
        return await loop.run_in_executor(
            self._thread_pool,
            lambda: run_context.run(
                validate_checkpoint,
                checkpoint,
                run_id=run_id,
                context=context,
                cancel=cancel,
                history=self._history,
            ),
        )

    async def _run_actions(self, checkpoint: Checkpoint, result: CheckpointResult) -> None:
        if not checkpoint.actions:
            return
        outcomes = await checkpoint.strategy.execute(
            list(checkpoint.actions), result, context=self._action_context
        )
        result.action_results = list(outcomes)
        _apply_action_failures(checkpoint.actions, result)


def _usable_timeout(timeout_s: object, max_timeout_s: float | None) -> float | None:
    # An invalid timeout is reported by validation (checkpoint.validate()); run without one.
    own: float | None = None
    if isinstance(timeout_s, (int, float)) and not isinstance(timeout_s, bool) and timeout_s > 0:
        own = float(timeout_s)
    if max_timeout_s is None:
        return own
    return max_timeout_s if own is None else min(own, max_timeout_s)


def _secret_values(actions: Sequence[Any]) -> list[str]:
    values: list[str] = []
    for action in actions:
        secret_values = getattr(action, "secret_values", None)
        if callable(secret_values):
            values.extend(secret_values())
    return values


def _apply_action_failures(actions: Sequence[Any], result: CheckpointResult) -> None:
    """Turn the run into an `error` when an action that must not fail did."""
    for action, outcome in zip(actions, result.action_results, strict=True):
        if _must_not_fail(action) and outcome.status is ActionStatus.ERROR:
            result.status = CheckpointStatus.ERROR
            result.error = f"action {outcome.action_name!r} failed: {_cause(outcome)}"
            return


def _must_not_fail(action: Any) -> bool:
    config = getattr(action, "config", None)
    return bool(getattr(config, "fail_checkpoint_on_error", False))


def _cause(outcome: ActionResult) -> str:
    return outcome.error or outcome.message or "no cause given"


async def execute_in_process(
    checkpoint: Checkpoint, *, run_id: str, context: Mapping[str, Any] | None = None
) -> CheckpointResult:
    """One run with resources created for it: for `Checkpoint.run` and scripts. Long-lived
    processes keep one `CheckpointExecutor` instead."""
    thread_pool = ThreadPoolExecutor(1, thread_name_prefix="checkfleet-validate")
    try:
        async with AsyncExecutionContext() as action_context:
            executor = CheckpointExecutor(thread_pool=thread_pool, action_context=action_context)
            return await executor.execute(checkpoint, run_id=run_id, context=context)
    finally:
        # After a timeout the validation thread may still be scanning; it was told to stop,
        # and waiting for it here would make the timeout meaningless.
        thread_pool.shutdown(wait=False, cancel_futures=True)


def execute_blocking(
    checkpoint: Checkpoint, *, run_id: str, context: Mapping[str, Any] | None = None
) -> CheckpointResult:
    """`execute_in_process` from synchronous code, even when the caller's thread already runs
    an event loop (then the run gets a loop of its own in a helper thread)."""

    async def run() -> CheckpointResult:
        try:
            return await execute_in_process(checkpoint, run_id=run_id, context=context)
        finally:
            await close_http_session()  # the private loop ends here, and its session with it

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    with ThreadPoolExecutor(1, thread_name_prefix="checkfleet-run") as helper:
        return helper.submit(asyncio.run, run()).result()
