"""`CheckpointPool`: a fixed number of workers taking submitted checkpoints from a queue.

Promises beyond the seed page: `submit` before `start` (or after `stop`) raises
`PoolClosedError`; a caller that gives up on `submit` (cancelled, timed out) never breaks a
worker; `stop` resolves every pending submit, with its result or with `PoolClosedError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from producer.client.backends import BackendKind, RunBackend, make_backend
from producer.client.callbacks import Callback, CallbackInvoker
from producer.client.registry import checkpoint_catalog, lookup_checkpoint
from shared.checkpoint import Checkpoint, new_run_id
from shared.errors import CheckfleetError, PoolClosedError
from shared.models import CheckpointResult
from shared.settings import Settings
from shared.validation import error_result

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _Work:
    target: Checkpoint | str
    context: Mapping[str, Any] | None
    future: asyncio.Future[CheckpointResult]
    #: Set once a worker is done with it (delivered, or its caller had gone).
    finished: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)


class CheckpointPool:
    """`workers` concurrent runs on the configured backend (local by default without Redis)."""

    def __init__(
        self,
        workers: int = 10,
        result_callback: Callback | None = None,
        *,
        backend: RunBackend | BackendKind | str = BackendKind.AUTO,
        settings: Settings | None = None,
        graceful_shutdown_timeout: float = 30.0,
    ) -> None:
        if workers < 1:
            raise CheckfleetError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.graceful_shutdown_timeout = graceful_shutdown_timeout
        self._backend = (
            make_backend(
                backend, settings=settings, catalog=checkpoint_catalog(), concurrency=workers
            )
            if isinstance(backend, str)
            else backend
        )
        self._on_result = CallbackInvoker(result_callback, role="result")
        self._queue: asyncio.Queue[_Work] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._busy: dict[asyncio.Task[None], _Work] = {}
        self._started = False

    @property
    def running(self) -> bool:
        return self._started

    @property
    def callback_errors(self) -> int:
        return self._on_result.failures

    async def start(self) -> None:
        if self._started:
            return
        await self._backend.open()
        self._started = True
        self._tasks = [
            asyncio.create_task(self._work(), name=f"checkpoint pool worker {index}")
            for index in range(self.workers)
        ]

    async def submit(
        self, checkpoint: Checkpoint | str, context: Mapping[str, Any] | None = None
    ) -> CheckpointResult:
        """Run `checkpoint` on a free worker; its result. Cancelling this call withdraws the
        work if it has not started (a started run still reaches the result callback)."""
        if not self._started:
            raise PoolClosedError("the pool is not running: call start() (or use async with)")
        future: asyncio.Future[CheckpointResult] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Work(checkpoint, context, future))
        return await future

    async def submit_many(
        self, checkpoints: Sequence[Checkpoint | str], context: Mapping[str, Any] | None = None
    ) -> list[CheckpointResult]:
        """Results in the order of `checkpoints`."""
        return list(await asyncio.gather(*(self.submit(cp, context) for cp in checkpoints)))

    async def _work(self) -> None:
        while True:
            work = await self._queue.get()
            if work.future.done():  # its caller gave up before it started
                continue
            task = asyncio.current_task()
            assert task is not None
            self._busy[task] = work
            try:
                result = await self._run(work)
                await self._on_result(result)
                if not work.future.done():
                    work.future.set_result(result)
            finally:
                self._busy.pop(task, None)
                work.finished.set()

    async def _run(self, work: _Work) -> CheckpointResult:
        target = work.target
        if isinstance(target, str):
            target = lookup_checkpoint(target) or target
        run_id = new_run_id()
        try:
            ticket = await self._backend.submit(target, run_id=run_id, context=work.context)
            return await self._backend.wait(ticket)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the worker boundary: a result, never a dead worker
            logger.exception("pool run %s failed", run_id)
            name = target if isinstance(target, str) else target.name
            return error_result(
                name, run_id=run_id, message=f"could not run: {type(exc).__name__}: {exc}"
            )

    async def stop(self) -> None:
        """Refuse new work, let runs in progress finish (bounded by the graceful timeout),
        and resolve every submit still pending with `PoolClosedError`."""
        if not self._started:
            return
        self._started = False
        while not self._queue.empty():
            self._fail(self._queue.get_nowait(), "the pool stopped before the run started")
        busy = [asyncio.create_task(work.finished.wait()) for work in self._busy.values()]
        if busy:
            _done, waiting = await asyncio.wait(busy, timeout=self.graceful_shutdown_timeout)
            for waiter in waiting:
                waiter.cancel()
        for task in self._tasks:
            work = self._busy.get(task)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if work is not None:
                self._fail(work, "the pool stopped before the run finished")
        self._tasks = []
        await self._backend.aclose()

    @staticmethod
    def _fail(work: _Work, reason: str) -> None:
        if not work.future.done():
            work.future.set_exception(PoolClosedError(reason))

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
