"""The runner's embedded scheduler: the scheduler's own `TriggerDriver`s (evaluation, catch-up,
overlap policy, deterministic run ids, retries; `shared.firing`) over the runner's checkpoints.

The drivers hand each firing to a `LaunchingDecider`, a `FiringDecider` that wraps the
backend's decider (`RunBackend.firing_decider`: the fleet's Redis decider, or the in-memory
one) with what a client adds: a free run slot first (so a full result queue holds the triggers
back), a request that carries the checkpoint's spec and the client's reply stream, and a task
that waits for the run's result. A firing seen by this runner and by a scheduler process (same
fleet) runs once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from redis.asyncio import Redis

from shared.checkpoint import Checkpoint
from shared.firing.base import Firing, FiringDecider, Outcome
from shared.firing.driver import TriggerDriver
from shared.job import RunRequest
from shared.keys import Keys

logger = logging.getLogger(__name__)

#: How long stopping waits for a trigger to release what it holds.
TRIGGER_STOP_TIMEOUT_S = 5.0


class RunLauncher(Protocol):
    """The runner's side of the embedded scheduler."""

    def checkpoint(self, name: str) -> Checkpoint | None:
        """The registered checkpoint of that name."""
        ...

    def prepare(self, checkpoint: Checkpoint, request: RunRequest) -> RunRequest:
        """The request as the backend sends it (spec, reply stream)."""
        ...

    async def acquire_slot(self) -> None: ...

    def release_slot(self) -> None: ...

    async def launch(
        self, checkpoint: Checkpoint, request: RunRequest, on_done: Callable[[], None]
    ) -> None:
        """Wait for the run (enqueued or decided already) in a task that holds the slot taken
        by `acquire_slot` and calls `on_done` when the result was delivered."""
        ...


class LaunchingDecider:
    """A `FiringDecider` for the drivers: the backend's decisions plus the client's run."""

    def __init__(
        self,
        inner: FiringDecider,
        launcher: RunLauncher,
        *,
        after_enqueue: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._inner = inner
        self._launcher = launcher
        self._after_enqueue = after_enqueue
        #: Deferred firings (overlap ``queue_latest``) by job id, launched when released.
        self._deferred: dict[str, tuple[Checkpoint, RunRequest]] = {}
        self.outcomes: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    async def decide(self, firing: Firing) -> Outcome:
        checkpoint = self._launcher.checkpoint(firing.checkpoint)
        if checkpoint is None:  # removed while its driver was stopping
            return Outcome.SKIPPED
        request = self._launcher.prepare(checkpoint, firing.request)
        await self._launcher.acquire_slot()
        try:
            outcome = await self._inner.decide(dataclasses.replace(firing, request=request))
        except BaseException:
            self._launcher.release_slot()
            raise
        self.outcomes[outcome] += 1
        if outcome is Outcome.ENQUEUED:
            await self._start(checkpoint, request)
        else:
            self._launcher.release_slot()
            if outcome is Outcome.DEFERRED:
                self._deferred[firing.job_id] = (checkpoint, request)
        return outcome

    async def release_deferred(self, checkpoint: str) -> str | None:
        job_id = await self._inner.release_deferred(checkpoint)
        if job_id is not None:
            deferred = self._deferred.pop(job_id, None)
            if deferred is not None:  # ours; another scheduler's deferral has its own waiter
                await self._launcher.acquire_slot()
                await self._start(*deferred)
        return job_id

    async def _start(self, checkpoint: Checkpoint, request: RunRequest) -> None:
        if self._after_enqueue is not None:
            with contextlib.suppress(Exception):
                await self._after_enqueue()
        run_id = request.run_id or ""
        inner = self._inner

        def done() -> None:
            inner.run_finished(run_id)

        await self._launcher.launch(checkpoint, request, done)

    def run_finished(self, job_id: str) -> None:
        self._inner.run_finished(job_id)

    async def last_tick(self, checkpoint: str, trigger: str) -> int | None:
        return await self._inner.last_tick(checkpoint, trigger)

    async def remember_tick(self, checkpoint: str, trigger: str, moment: datetime) -> None:
        await self._inner.remember_tick(checkpoint, trigger, moment)

    async def overlap_skips(self, checkpoint: str) -> int:
        return await self._inner.overlap_skips(checkpoint)

    async def squatter(self, firing: Firing) -> str | None:
        # A client's firings carry its own specs; telling squats apart is the fleet
        # scheduler's job (its registered names are what squatters imitate).
        return None


class EmbeddedScheduler:
    """One `TriggerDriver` task per enabled trigger of each checkpoint."""

    def __init__(
        self,
        decider: LaunchingDecider,
        *,
        poll_interval_s: float,
        redis: Redis | None,
        keys: Keys,
        consumer: str,
    ) -> None:
        self._decider = decider
        self._poll_interval_s = poll_interval_s
        self._redis = redis
        self._keys = keys
        self._consumer = consumer
        self._drivers: dict[str, list[tuple[TriggerDriver, asyncio.Task[None]]]] = {}

    @property
    def outcomes(self) -> dict[Outcome, int]:
        return self._decider.outcomes

    def start(self, checkpoint: Checkpoint) -> None:
        """Drive the enabled triggers of `checkpoint` (no-op when already driven)."""
        if checkpoint.name in self._drivers:
            return
        drivers = [
            TriggerDriver(
                checkpoint,
                trigger,
                redis=self._redis,
                keys=self._keys,
                decider=self._decider,
                consumer=self._consumer,
                poll_interval_s=self._poll_interval_s,
            )
            for trigger in checkpoint.triggers
            if getattr(trigger, "enabled", True)
        ]
        self._drivers[checkpoint.name] = [
            (driver, asyncio.create_task(driver.run(), name=f"trigger {driver.label}"))
            for driver in drivers
        ]

    async def stop(self, name: str) -> None:
        entries = self._drivers.pop(name, [])
        for _driver, task in entries:
            task.cancel()
        for driver, task in entries:
            with contextlib.suppress(asyncio.CancelledError):
                await task
            try:
                await asyncio.wait_for(driver.stop(), TRIGGER_STOP_TIMEOUT_S)
            except Exception as exc:  # stopping goes on: the runner is shutting down
                logger.warning("trigger %s did not stop cleanly: %s", driver.label, exc)

    async def stop_all(self) -> None:
        for name in list(self._drivers):
            await self.stop(name)
