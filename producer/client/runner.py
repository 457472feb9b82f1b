"""`AsyncCheckpointRunner`: runs registered checkpoints when their triggers fire (an embedded
scheduler), on demand (`run_once_async`, `run_all_async`), and streams the results.

Promises beyond the seed page:
- at most `max_concurrent_checkpoints` runs in flight; a run holds its slot until its result
  is queued, so a full result queue stops new runs (backpressure) instead of dropping results;
- callbacks may be sync or async; one that raises is logged and counted, nothing else changes;
- `stop_async` lets runs in flight finish for `graceful_shutdown_timeout` seconds and delivers
  their results; a run still unfinished then, or a result with no room left in the queue, is
  reported to the error callback (`UndeliveredRunError`) and counted, never dropped silently;
- cancelling a consumer of `iter_results_async` cancels it and loses no queued result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from producer.client.backends import RunBackend, Ticket, make_backend
from producer.client.callbacks import Callback, CallbackInvoker
from producer.client.embedded import EmbeddedScheduler, LaunchingDecider
from producer.client.registry import checkpoint_catalog, lookup_checkpoint
from producer.client.runner_config import AsyncRunnerConfig
from shared.checkpoint import Checkpoint, new_run_id
from shared.errors import CheckfleetError, ConfigError, ExecutionError
from shared.job import RunRequest
from shared.models import CheckpointResult, CheckpointStatus
from shared.settings import Settings
from shared.validation import error_result

logger = logging.getLogger(__name__)


class UndeliveredRunError(ExecutionError):
    """A run whose result the runner could not deliver: still running at stop, or finished
    with no room left in the result queue. `run_id` finds it on the fleet's results stream."""

    def __init__(self, message: str, *, run_id: str, checkpoint: str) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.checkpoint = checkpoint


class AsyncCheckpointRunner:
    """Runs checkpoints in the background and on demand, on the configured backend."""

    def __init__(
        self,
        config: AsyncRunnerConfig | None = None,
        result_callback: Callback | None = None,
        error_callback: Callback | None = None,
        *,
        settings: Settings | None = None,
        backend: RunBackend | None = None,
    ) -> None:
        self.config = config or AsyncRunnerConfig()
        self._settings = settings or Settings.from_env()
        self._checkpoints: dict[str, Checkpoint] = {}
        self.backend: RunBackend = backend or make_backend(
            self.config.backend,
            settings=self._settings,
            catalog=checkpoint_catalog(),
            concurrency=self.config.max_concurrent_checkpoints,
        )
        self._on_result = CallbackInvoker(result_callback, role="result")
        self._on_error = CallbackInvoker(error_callback, role="error")
        self._result_queue: asyncio.Queue[CheckpointResult] = asyncio.Queue(
            self.config.result_queue_size
        )
        self._slots = asyncio.Semaphore(self.config.max_concurrent_checkpoints)
        self._runs: dict[asyncio.Task[None], Ticket] = {}
        self._changed = asyncio.Event()
        self._triggers: EmbeddedScheduler | None = None
        self._running = False
        self._halt_task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        #: Results in hand whose run waits for room in the queue, by run id.
        self._held: dict[str, CheckpointResult] = {}
        self._on_demand = 0
        self._depth_task: asyncio.Task[None] | None = None
        self._queue_depth: int | None = None
        self._by_status: Counter[str] = Counter()
        self._dropped = 0
        self._undelivered = 0
        self._consecutive_errors = 0

    # -- registration ----------------------------------------------------------------------

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Register `checkpoint`; its triggers are evaluated while the runner runs."""
        known = self._checkpoints.get(checkpoint.name)
        if known is not None and known is not checkpoint:
            raise ConfigError(f"a checkpoint named {checkpoint.name!r} is already registered")
        if checkpoint.triggers and self.backend.kind == "redis":
            checkpoint.to_spec()  # SpecError now, rather than at every firing
        self._checkpoints[checkpoint.name] = checkpoint
        if self._running and self._triggers is not None:
            self._triggers.start(checkpoint)

    def remove_checkpoint(self, checkpoint: Checkpoint | str) -> Checkpoint | None:
        """Unregister a checkpoint (by name or object) and stop evaluating its triggers; its
        runs in flight still deliver their results."""
        name = checkpoint if isinstance(checkpoint, str) else checkpoint.name
        removed = self._checkpoints.pop(name, None)
        if removed is not None and self._triggers is not None:
            self._spawn(self._triggers.stop(name))
        return removed

    @property
    def checkpoints(self) -> list[Checkpoint]:
        return list(self._checkpoints.values())

    @property
    def running(self) -> bool:
        return self._running

    # -- background execution --------------------------------------------------------------

    async def start_async(self) -> None:
        """Open the backend and start evaluating the registered checkpoints' triggers."""
        if self._running:
            return
        await self.backend.open()
        self._running = True
        self._stop_task = None
        self._halt_task = None
        decider = LaunchingDecider(
            self.backend.firing_decider(), self, after_enqueue=self.backend.after_enqueue
        )
        self._triggers = EmbeddedScheduler(
            decider,
            poll_interval_s=self.config.trigger_poll_interval,
            redis=self.backend.redis,
            keys=self._settings.keys,
            consumer=self.backend.trigger_consumer,
        )
        for checkpoint in self._checkpoints.values():
            self._triggers.start(checkpoint)
        self._depth_task = asyncio.create_task(self._refresh_queue_depth(), name="queue depth")
        self._changed.set()
        logger.info(
            "runner started on the %s backend with %d checkpoint(s)",
            self.backend.kind,
            len(self._checkpoints),
        )

    # -- the embedded scheduler's `RunLauncher` ---------------------------------------------

    def checkpoint(self, name: str) -> Checkpoint | None:
        return self._checkpoints.get(name)

    def prepare(self, checkpoint: Checkpoint, request: RunRequest) -> RunRequest:
        return self.backend.prepare(checkpoint, request)

    async def acquire_slot(self) -> None:
        await self._slots.acquire()  # a full queue keeps slots taken: the trigger waits here

    def release_slot(self) -> None:
        self._slots.release()

    async def launch(
        self, checkpoint: Checkpoint, request: RunRequest, on_done: Callable[[], None]
    ) -> None:
        ticket = self.backend.adopt(checkpoint, request)
        task = asyncio.create_task(self._complete(ticket), name=f"run {ticket.run_id}")
        self._runs[task] = ticket

        def forget(task: asyncio.Task[None]) -> None:
            self._forget_run(task)
            on_done()

        task.add_done_callback(forget)

    def _forget_run(self, task: asyncio.Task[None]) -> None:
        self._runs.pop(task, None)
        self._changed.set()

    async def _complete(self, ticket: Ticket) -> None:
        """Wait for a background run and deliver its result; holds the run's slot."""
        try:
            result = await self._wait(ticket)
            await self._on_result(result)
            self._count(result)
            self._held[ticket.run_id] = result
            # Blocks while the queue is full: the slot stays taken, so no new run starts.
            await self._result_queue.put(result)
            del self._held[ticket.run_id]
            self._changed.set()
            self._after_result(result)
        finally:
            self._slots.release()

    async def _wait(self, ticket: Ticket) -> CheckpointResult:
        try:
            return await self.backend.wait(ticket)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the backend boundary: report, keep the runner going
            await self._report_error(exc)
            message = f"could not get the result: {type(exc).__name__}: {exc}"
            return error_result(ticket.checkpoint_name, run_id=ticket.run_id, message=message)

    def _count(self, result: CheckpointResult) -> None:
        self._by_status[result.status.value] += 1

    def _after_result(self, result: CheckpointResult) -> None:
        if result.status is CheckpointStatus.ERROR:
            self._consecutive_errors += 1
        else:
            self._consecutive_errors = 0
        reason = None
        if self.config.stop_on_error and result.status is CheckpointStatus.ERROR:
            reason = f"run {result.run_id} of {result.checkpoint_name!r} ended in error"
        elif self._consecutive_errors >= self.config.max_consecutive_failures:
            reason = f"{self._consecutive_errors} runs in a row ended in error"
        if reason and self._running and self._halt_task is None:
            logger.error("stopping the runner: %s", reason)
            self._halt_task = asyncio.create_task(self._halt(reason), name="runner halt")

    async def _halt(self, reason: str) -> None:
        await self._report_error(CheckfleetError(f"runner stopped: {reason}"))
        await self.stop_async()

    async def _report_error(self, error: BaseException) -> None:
        await self._on_error(error)

    async def _refresh_queue_depth(self) -> None:
        interval_s = max(1.0, self.config.trigger_poll_interval)
        while True:
            with contextlib.suppress(Exception):
                self._queue_depth = await self.backend.queue_depth()
            await asyncio.sleep(interval_s)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)  # a reference, so the task is not collected mid-way
        task.add_done_callback(self._background.discard)

    async def iter_results_async(
        self,
        timeout: float | None = None,  # noqa: ASYNC109 - the seed's API: an idle limit
    ) -> AsyncIterator[CheckpointResult]:
        """Results of background runs as they complete. Ends when no result came within
        `timeout` seconds, or once the runner is stopped and every result was taken."""
        loop = asyncio.get_running_loop()
        while True:
            deadline = None if timeout is None else loop.time() + timeout
            while self._result_queue.empty():
                if not self._running and not self._runs:
                    return
                self._changed.clear()
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
            yield self._result_queue.get_nowait()

    async def stop_async(self) -> None:
        """Stop evaluating triggers, let runs in flight finish (bounded), close the backend.
        Every run in flight is delivered or reported to the error callback."""
        if not self._running:
            return
        if self._stop_task is None:
            self._stop_task = asyncio.create_task(self._stop(), name="runner stop")
        await asyncio.shield(self._stop_task)

    async def _stop(self) -> None:
        try:
            if self._triggers is not None:
                await self._triggers.stop_all()
            if self._depth_task is not None:
                self._depth_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._depth_task
            await self._drain_runs()
        finally:
            self._running = False
            self._changed.set()
            if not self._on_demand:
                await self.backend.aclose()
            logger.info("runner stopped")

    async def _drain_runs(self) -> None:
        pending = set(self._runs)
        if pending:
            _done, pending = await asyncio.wait(
                pending, timeout=self.config.graceful_shutdown_timeout
            )
        for task in pending:
            ticket = self._runs.get(task)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if ticket is not None:
                await self._report_undelivered(ticket)

    async def _report_undelivered(self, ticket: Ticket) -> None:
        held = self._held.pop(ticket.run_id, None)
        if held is not None:
            self._dropped += 1
            where = (
                f"it ended ({held.status.value}) and went to the result callback, but the"
                " result queue stayed full"
            )
        else:
            self._undelivered += 1
            where = (
                "it goes on on the fleet; its result will be on the results stream"
                if self.backend.kind == "redis"
                else "it was cancelled"
            )
        message = (
            f"run {ticket.run_id} of {ticket.checkpoint_name!r} was not delivered within the"
            f" graceful shutdown timeout ({self.config.graceful_shutdown_timeout} s): {where}"
        )
        logger.warning(message)
        await self._report_error(
            UndeliveredRunError(message, run_id=ticket.run_id, checkpoint=ticket.checkpoint_name)
        )

    # -- on demand -------------------------------------------------------------------------

    async def run_once_async(
        self, checkpoint: Checkpoint | str, context: Mapping[str, Any] | None = None
    ) -> CheckpointResult:
        """Run one checkpoint (registered name, process-registered name, or object) now and
        return its result; the result callback sees it too. Never raises but for cancellation:
        a problem gives a result with status ``error``."""
        target = self._resolve(checkpoint)
        run_id = new_run_id()
        # Outside start/stop the backend is open only while on-demand runs are in flight.
        self._on_demand += 1
        try:
            async with self._slots:
                result = await self._submit_and_wait(target, run_id, context)
        finally:
            self._on_demand -= 1
            if not self._on_demand and not self._running:
                await self.backend.aclose()
        self._count(result)
        await self._on_result(result)
        return result

    async def _submit_and_wait(
        self, target: Checkpoint | str, run_id: str, context: Mapping[str, Any] | None
    ) -> CheckpointResult:
        try:
            await self.backend.open()
            ticket = await self.backend.submit(target, run_id=run_id, context=context)
        except Exception as exc:  # Redis unreachable, say: report as a result
            await self._report_error(exc)
            message = f"could not submit the run: {type(exc).__name__}: {exc}"
            return error_result(_name_of(target), run_id=run_id, message=message)
        return await self._wait(ticket)

    async def run_all_async(
        self, context: Mapping[str, Any] | None = None
    ) -> list[CheckpointResult]:
        """Run every registered checkpoint once, concurrently within the limit; results in
        registration order."""
        return await self.run_many_async(list(self._checkpoints.values()), context=context)

    async def run_many_async(
        self, checkpoints: list[Checkpoint | str] | Any, context: Mapping[str, Any] | None = None
    ) -> list[CheckpointResult]:
        """Run `checkpoints` once each, concurrently within the limit; results in their order.
        The backend stays open across the batch."""
        self._on_demand += 1
        try:
            return list(
                await asyncio.gather(*(self.run_once_async(cp, context) for cp in checkpoints))
            )
        finally:
            self._on_demand -= 1
            if not self._on_demand and not self._running:
                await self.backend.aclose()

    def _resolve(self, checkpoint: Checkpoint | str) -> Checkpoint | str:
        if isinstance(checkpoint, Checkpoint):
            return checkpoint
        return self._checkpoints.get(checkpoint) or lookup_checkpoint(checkpoint) or checkpoint

    # -- statistics ------------------------------------------------------------------------

    def get_stats(self) -> dict[str, Any]:
        """A snapshot: the seed's keys plus counts by status and what was not delivered."""
        return {
            "running": self._running,
            "checkpoints": len(self._checkpoints),
            "pending_tasks": len(self._runs),
            "queued_results": self._result_queue.qsize(),
            "backend": self.backend.kind,
            "results_by_status": {
                status.value: self._by_status[status.value] for status in CheckpointStatus
            },
            "dropped_results": self._dropped,
            "undelivered_runs": self._undelivered,
            "callback_errors": self._on_result.failures + self._on_error.failures,
            "consecutive_errors": self._consecutive_errors,
            "redis_queue_depth": self._queue_depth,
        }


def _name_of(target: Checkpoint | str) -> str:
    return target if isinstance(target, str) else target.name
