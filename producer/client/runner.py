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

The runner keeps the seed's surface and wires collaborators that each do one job:
`RunnerCheckpoints` (registration), `BackgroundRuns` (the runs its triggers started, and what
stopping did not deliver), `HaltPolicy` (when it stops itself), `RunnerStats` (counters for
`get_stats`) and `BackendLease` (the backend stays open while anything uses it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from producer.client.backend_lease import BackendLease
from producer.client.backends import RunBackend, Ticket, make_backend
from producer.client.background_runs import BackgroundRuns, Undelivered
from producer.client.callbacks import Callback, CallbackInvoker
from producer.client.embedded import EmbeddedScheduler, LaunchingDecider
from producer.client.halt_policy import HaltPolicy
from producer.client.registry import checkpoint_catalog
from producer.client.runner_checkpoints import RunnerCheckpoints
from producer.client.runner_config import AsyncRunnerConfig
from producer.client.runner_stats import RunnerStats
from shared.checkpoint import Checkpoint, new_run_id
from shared.errors import CheckfleetError, RedisAccessError, UndeliveredRunError
from shared.job import RunRequest
from shared.models import CheckpointResult
from shared.settings import Settings
from shared.validation import error_result

logger = logging.getLogger(__name__)


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
        self._checkpoints = RunnerCheckpoints()
        self.backend: RunBackend = backend or make_backend(
            self.config.backend,
            settings=self._settings,
            catalog=checkpoint_catalog(),
            concurrency=self.config.max_concurrent_checkpoints,
            result_timeout_s=self.config.result_timeout,
        )
        self._on_result = CallbackInvoker(result_callback, role="result")
        self._on_error = CallbackInvoker(error_callback, role="error")
        self._result_queue: asyncio.Queue[CheckpointResult] = asyncio.Queue(
            self.config.result_queue_size
        )
        self._slots = asyncio.Semaphore(self.config.max_concurrent_checkpoints)
        self._changed = asyncio.Event()
        self._runs = BackgroundRuns(self._changed)
        self._halt_policy = HaltPolicy(
            stop_on_error=self.config.stop_on_error,
            max_consecutive_failures=self.config.max_consecutive_failures,
        )
        self._stats = RunnerStats()
        # A backend given to the runner is lent: its owner closes it.
        self._lease = BackendLease(
            self.backend, running=lambda: self._running, owned=backend is None
        )
        self._triggers: EmbeddedScheduler | None = None
        self._running = False
        self._halt_task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()

    # -- registration ----------------------------------------------------------------------

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Register `checkpoint`; its triggers are evaluated while the runner runs."""
        self._checkpoints.add(checkpoint, travels_as_spec=self.backend.kind == "redis")
        if self._running and self._triggers is not None:
            self._triggers.start(checkpoint)

    def remove_checkpoint(self, checkpoint: Checkpoint | str) -> Checkpoint | None:
        """Unregister a checkpoint (by name or object) and stop evaluating its triggers; its
        runs in flight still deliver their results."""
        removed = self._checkpoints.remove(checkpoint)
        if removed is not None and self._triggers is not None:
            self._spawn(self._triggers.stop(removed.name))
        return removed

    @property
    def checkpoints(self) -> list[Checkpoint]:
        return list(self._checkpoints)

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
        for checkpoint in self._checkpoints:
            self._triggers.start(checkpoint)
        self._stats.start_refreshing(
            self.backend.queue_depth, interval_s=max(1.0, self.config.trigger_poll_interval)
        )
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
        self._runs.track(task, ticket, on_done)

    async def _complete(self, ticket: Ticket) -> None:
        """Wait for a background run and deliver its result; holds the run's slot."""
        try:
            result = await self._wait(ticket)
            await self._on_result(result)
            self._stats.count(result)
            self._runs.hold(result)
            # Blocks while the queue is full: the slot stays taken, so no new run starts.
            await self._result_queue.put(result)
            self._runs.delivered(result)
            self._after_result(result)
        finally:
            self._slots.release()

    async def _wait(self, ticket: Ticket) -> CheckpointResult:
        try:
            return await self.backend.wait(ticket)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the backend boundary: report, keep the runner going
            await self._on_error(exc)
            message = f"could not get the result: {type(exc).__name__}: {exc}"
            return error_result(ticket.checkpoint_name, run_id=ticket.run_id, message=message)

    def _after_result(self, result: CheckpointResult) -> None:
        reason = self._halt_policy.observe(result)
        if reason and self._running and self._halt_task is None:
            logger.error("stopping the runner: %s", reason)
            self._halt_task = asyncio.create_task(self._halt(reason), name="runner halt")

    async def _halt(self, reason: str) -> None:
        await self._on_error(CheckfleetError(f"runner stopped: {reason}"))
        await self.stop_async()

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
            await self._stats.stop_refreshing()
            for run in await self._runs.drain(self.config.graceful_shutdown_timeout):
                await self._report_undelivered(run)
        finally:
            self._running = False
            self._changed.set()
            await self._lease.release_background()
            logger.info("runner stopped")

    async def _report_undelivered(self, run: Undelivered) -> None:
        ticket, held = run.ticket, run.held
        if held is not None:
            self._stats.dropped += 1
            where = (
                f"it ended ({held.status.value}) and went to the result callback, but the"
                " result queue stayed full"
            )
        else:
            self._stats.undelivered += 1
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
        await self._on_error(
            UndeliveredRunError(message, run_id=ticket.run_id, checkpoint=ticket.checkpoint_name)
        )

    # -- on demand -------------------------------------------------------------------------

    async def run_once_async(
        self, checkpoint: Checkpoint | str, context: Mapping[str, Any] | None = None
    ) -> CheckpointResult:
        """Run one checkpoint (registered name, process-registered name, or object) now and
        return its result; the result callback sees it too. Never raises but for cancellation
        and `RedisAccessError` (Redis refuses this client's password or certificate: no run
        can work until the URL is fixed); any other problem gives a result with status
        ``error``."""
        target = self._checkpoints.resolve(checkpoint)
        run_id = new_run_id()
        # Outside start/stop the backend is open only while on-demand runs are in flight.
        async with self._lease.on_demand(), self._slots:
            result = await self._submit_and_wait(target, run_id, context)
        self._stats.count(result)
        await self._on_result(result)
        return result

    async def _submit_and_wait(
        self, target: Checkpoint | str, run_id: str, context: Mapping[str, Any] | None
    ) -> CheckpointResult:
        try:
            await self.backend.open()
            ticket = await self.backend.submit(target, run_id=run_id, context=context)
        except RedisAccessError:
            raise  # a configuration problem of the client, not of this run
        except Exception as exc:  # Redis unreachable, say: report as a result
            await self._on_error(exc)
            message = f"could not submit the run: {type(exc).__name__}: {exc}"
            return error_result(_name_of(target), run_id=run_id, message=message)
        return await self._wait(ticket)

    async def run_all_async(
        self, context: Mapping[str, Any] | None = None
    ) -> list[CheckpointResult]:
        """Run every registered checkpoint once, concurrently within the limit; results in
        registration order."""
        return await self.run_many_async(list(self._checkpoints), context=context)

    async def run_many_async(
        self, checkpoints: list[Checkpoint | str] | Any, context: Mapping[str, Any] | None = None
    ) -> list[CheckpointResult]:
        """Run `checkpoints` once each, concurrently within the limit; results in their order.
        The backend stays open across the batch."""
        async with self._lease.on_demand():
            return list(
                await asyncio.gather(*(self.run_once_async(cp, context) for cp in checkpoints))
            )

    # -- statistics ------------------------------------------------------------------------

    def get_stats(self) -> dict[str, Any]:
        """A snapshot: the seed's keys plus counts by status and what was not delivered."""
        return {
            "running": self._running,
            "checkpoints": len(self._checkpoints),
            "pending_tasks": len(self._runs),
            "queued_results": self._result_queue.qsize(),
            "backend": self.backend.kind,
            "results_by_status": self._stats.by_status(),
            "dropped_results": self._stats.dropped,
            "undelivered_runs": self._stats.undelivered,
            "callback_errors": self._on_result.failures + self._on_error.failures,
            "consecutive_errors": self._halt_policy.consecutive_errors,
            "redis_queue_depth": self._stats.queue_depth,
        }


def _name_of(target: Checkpoint | str) -> str:
    return target if isinstance(target, str) else target.name
