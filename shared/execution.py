"""The code that executes one checkpoint, shared by the arq worker, the client's in-process
backend, `Checkpoint.run` / `run_async` and ``checkfleet run`` so all behave identically:
validation in a thread pool (the event loop never blocks), then the actions through the
checkpoint's strategy, all within the checkpoint's `timeout_s`. `CheckpointExecutor` also owns
the resources this needs, sized by one rule, and closes them.

Nothing raises out of `CheckpointExecutor.execute_request` but cancellation: a bad request, an
unknown checkpoint, a broken spec, an inline spec the trust policy refuses or an unexpected
exception (a `SystemExit` from user code included) each become a result with status `error`
whose message says what was wrong and where.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Self

from shared.actions.http import close_http_session, has_http_session, open_http_session
from shared.alerts.memory import alerts_from_history
from shared.async_base import AsyncExecutionContext
from shared.async_base.adapter import adapt_to_async
from shared.async_base.once import ActionLedger, RunActions, bind_run_actions, unbind_run_actions
from shared.errors import CheckpointTimeoutError, ConfigError
from shared.job import RunRequest
from shared.logs import bind_run
from shared.models import ActionResult, ActionStatus, CheckpointResult, CheckpointStatus
from shared.run_memory import load_past_runs, note_transition, record_run
from shared.sources import guard_sources
from shared.store import open_history
from shared.trust.pinning import pin_hosts
from shared.trust.policy import InlineSpecPolicy
from shared.trust.redaction import process_redactor, redact_result
from shared.validation import error_result, validate_checkpoint
from shared.validation.scan_process import Scanner
from shared.validators.history import PastRuns

if TYPE_CHECKING:  # only for types: `Checkpoint.run` imports this module, not the reverse
    from shared.alerts.base import Alerts
    from shared.catalog import CheckpointCatalog
    from shared.checkpoint import Checkpoint

logger = logging.getLogger(__name__)


#: Actions in flight per concurrent run: actions are mostly I/O, so several share one run slot.
ACTIONS_PER_RUN = 4


def validation_threads() -> int:
    """Size of every validation thread pool: polars parallelises inside one query, so a few
    threads suffice to let several runs overlap their I/O (threads start only when needed)."""
    return max(2, min(8, os.cpu_count() or 2))


class CheckpointExecutor:
    """Runs checkpoints with the long-lived resources it owns and closes: a thread pool for
    polars, the action context whose semaphores bound actions across every checkpoint it runs,
    and the event loop's HTTP session (opened by `open` unless the loop has one already).

    `concurrency` is how many runs the caller executes at once (a worker's job slots): actions
    are then bounded to `ACTIONS_PER_RUN` per run; None (one-off runs) leaves them unbounded.
    `action_type_limits` bound actions per type (``{"webhook": 4}``). `store_url` names the
    results store (opened by `open`): earlier runs for learned baselines are loaded from it,
    actions read it (report trends) and, with `record_runs` (in-process runs; a fleet's workers
    leave that to `checkfleet archive`), every run is recorded in it. `alerts` is the alert
    state actions consult (transitions, rate limits; workers pass `RedisAlerts`); None keeps it
    in memory, starting from the store's latest runs. `history` injects earlier runs directly
    (tests). The worker, the client's local backend, `Checkpoint.run` / `run_async` and
    ``checkfleet run`` all use it::

        async with CheckpointExecutor(concurrency=10) as executor:
            result = await executor.execute(checkpoint, run_id=run_id)
    """

    def __init__(
        self,
        *,
        concurrency: int | None = None,
        action_type_limits: Mapping[str, int] | None = None,
        history: PastRuns | None = None,
        store_url: str | None = None,
        alerts: Alerts | None = None,
        record_runs: bool = False,
        action_ledger: ActionLedger | None = None,
        scanner: Scanner | None = None,
    ) -> None:
        #: Where workers record each action of a run, so that a re-run after a crash or a
        #: cancel runs none twice (`shared.async_base.once`); None in-process.
        self._action_ledger = action_ledger
        #: Runs large scans where a timeout can stop them (workers: scan processes, which the
        #: worker owns); None: in the validation thread.
        self._scanner = scanner
        self._thread_pool = ThreadPoolExecutor(
            validation_threads(), thread_name_prefix="checkfleet-validate"
        )
        self._action_context = AsyncExecutionContext(
            max_concurrency=None if concurrency is None else concurrency * ACTIONS_PER_RUN,
            type_limits=action_type_limits,
        )
        self._history = history
        self._owns_http_session = False
        self._store_url = store_url
        self._alerts = alerts
        self._record_runs = record_runs

    async def open(self) -> Self:
        """Open the running loop's HTTP session unless it has one (then `aclose` leaves it),
        and the results store when one is named."""
        if not has_http_session():
            await open_http_session()
            self._owns_http_session = True
        context = self._action_context
        if self._store_url is not None and context.history is None:
            context.history = await open_history(self._store_url)
        if context.alerts is None:
            context.alerts = self._alerts or await alerts_from_history(context.history)
        return self

    async def aclose(self) -> None:
        """Close what this executor opened; never blocks the loop (a validation thread that
        timed out was told to stop, and waiting for it would make the timeout meaningless)."""
        await self._action_context.aclose()
        self._thread_pool.shutdown(wait=False, cancel_futures=True)
        store, self._action_context.history = self._action_context.history, None
        if store is not None:
            await store.close()
        if self._owns_http_session:
            self._owns_http_session = False
            await close_http_session()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

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
        or an in-process run is) and, when it may run, reads only what the policy allows and
        connects only to addresses its hosts rule approves (`shared.trust.pinning`).
        Every run ends within `max_timeout_s` (the worker's job limit), whatever its spec says.
        """
        guard = hosts = None
        try:
            if policy is not None and isinstance(request.checkpoint, dict):
                await policy.check(request.checkpoint, request.context)
                guard, hosts = policy.read_guard(), policy.connect_guard()
            checkpoint = catalog.resolve(request)
        except ConfigError as exc:
            return error_result(
                request.checkpoint_label, run_id=run_id, message=str(exc), context=request.context
            )
        with guard_sources(guard), pin_hosts(hosts):
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
        result = redact_result(result, process_redactor(_secret_values(checkpoint.actions)))
        if self._record_runs:
            await record_run(self._action_context.history, result)
        return result

    async def _validate(
        self,
        checkpoint: Checkpoint,
        run_id: str,
        context: Mapping[str, Any] | None,
        cancel: threading.Event,
    ) -> CheckpointResult:
        history = self._history or await load_past_runs(self._action_context.history, checkpoint)
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
                history=history,
                scanner=self._scanner,
            ),
        )

    async def _run_actions(self, checkpoint: Checkpoint, result: CheckpointResult) -> None:
        if not checkpoint.actions:
            return
        await note_transition(self._action_context.alerts, result)
        actions = [adapt_to_async(action) for action in checkpoint.actions]
        token = None
        if self._action_ledger is not None:
            token = bind_run_actions(RunActions.of(self._action_ledger, result.run_id, actions))
        try:
            outcomes = await checkpoint.strategy.execute(
                actions, result, context=self._action_context
            )
        finally:
            if token is not None:
                unbind_run_actions(token)
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
    """One run with an executor made for it: for `Checkpoint.run_async` and scripts.
    Long-lived processes keep one `CheckpointExecutor` instead."""
    async with CheckpointExecutor() as executor:
        return await executor.execute(checkpoint, run_id=run_id, context=context)


def execute_blocking(
    checkpoint: Checkpoint, *, run_id: str, context: Mapping[str, Any] | None = None
) -> CheckpointResult:
    """`execute_in_process` from synchronous code (`Checkpoint.run`), even when the caller's
    thread already runs an event loop (then the run gets a loop of its own in a helper thread;
    its executor closes the HTTP session it opened there)."""
    coroutine = execute_in_process(checkpoint, run_id=run_id, context=context)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1, thread_name_prefix="checkfleet-run") as helper:
        return helper.submit(asyncio.run, coroutine).result()
