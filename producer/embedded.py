"""The runner's embedded scheduler: evaluates the triggers of the runner's checkpoints and
hands each firing, under its deterministic run id, to the runner.

The run id of a firing is the scheduler's (``<checkpoint>:<trigger>:<fire_id>``), and the
backend refuses a run id it has seen (the fleet through arq's job id, the local backend in
memory), so a firing seen by this runner and by a scheduler process runs once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

from shared.async_base.trigger import AsyncBaseTrigger, TriggerResult
from shared.checkpoint import Checkpoint
from shared.job import RUN_ID_PATTERN, RunRequest
from shared.keys import Keys

logger = logging.getLogger(__name__)

#: Called with the checkpoint and the request of a firing; returns once the run was handed
#: off (it may wait for a free slot: backpressure reaches the trigger).
FiringHandler = Callable[[Checkpoint, RunRequest], Awaitable[None]]
ErrorHandler = Callable[[BaseException], Awaitable[None]]

#: How long stopping waits for a trigger to release what it holds.
TRIGGER_STOP_TIMEOUT_S = 5.0


class EmbeddedTriggers:
    """One task per enabled trigger of each checkpoint, evaluating it every poll interval."""

    def __init__(
        self,
        on_firing: FiringHandler,
        on_error: ErrorHandler,
        *,
        poll_interval_s: float,
        redis: Any = None,
        keys: Keys | None = None,
        consumer: str | None = None,
    ) -> None:
        self._on_firing = on_firing
        self._on_error = on_error
        self._poll_interval_s = poll_interval_s
        self._redis = redis
        self._keys = keys or Keys()
        self._consumer = consumer
        self._tasks: dict[str, list[asyncio.Task[None]]] = {}

    def start(self, checkpoint: Checkpoint) -> None:
        """Drive the enabled triggers of `checkpoint` (no-op when already driven)."""
        if checkpoint.name in self._tasks:
            return
        self._tasks[checkpoint.name] = [
            asyncio.create_task(
                self._drive(checkpoint, trigger), name=f"trigger {checkpoint.name}/{trigger.name}"
            )
            for trigger in checkpoint.triggers
            if getattr(trigger, "enabled", True)
        ]

    async def stop(self, name: str) -> None:
        tasks = self._tasks.pop(name, [])
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def stop_all(self) -> None:
        for name in list(self._tasks):
            await self.stop(name)

    async def _drive(self, checkpoint: Checkpoint, trigger: AsyncBaseTrigger[Any]) -> None:
        try:
            trigger.bind(
                redis=self._redis,
                keys=self._keys,
                consumer=self._consumer,
                checkpoint=checkpoint.name,
            )
            await trigger.start_async()
            while True:
                fired = await self._step(checkpoint, trigger)
                if not fired:
                    await asyncio.sleep(self._poll_interval_s)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(trigger.stop_async(), TRIGGER_STOP_TIMEOUT_S)

    async def _step(self, checkpoint: Checkpoint, trigger: AsyncBaseTrigger[Any]) -> bool:
        try:
            result: TriggerResult = await trigger.should_trigger_async()
            if not result.should_run:
                return False
            request = firing_request(checkpoint.name, trigger.name, result)
            await self._on_firing(checkpoint, request)
            await trigger.acknowledge_async(result)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken trigger must not stop the others
            logger.exception("trigger %s/%s failed", checkpoint.name, trigger.name)
            await self._on_error(exc)
            return False


# -- the scheduler's firing identity (issue 6); to be replaced by `producer.firings` once the
# -- scheduler branch is merged, so both compute the same run id from one piece of code.
_RUN_ID = re.compile(RUN_ID_PATTERN)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@+=\-]+")


def trigger_job_id(checkpoint: str, trigger: str, fire_id: str) -> str:
    raw = f"{checkpoint}:{trigger}:{fire_id}"
    if _RUN_ID.match(raw):
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
    readable = [_UNSAFE.sub("-", part)[:60] or "-" for part in (checkpoint, trigger)]
    return f"{readable[0]}:{readable[1]}:sha256-{digest}"


def firing_request(checkpoint: str, trigger: str, result: TriggerResult) -> RunRequest:
    fire_id = result.fire_id or (result.fire_time or _now()).astimezone(UTC).isoformat()
    context: dict[str, Any] = {"trigger": trigger, "fire_id": fire_id, "reason": result.reason}
    if result.fire_time is not None:
        context["fire_time"] = result.fire_time.astimezone(UTC).isoformat()
    context.update(json.loads(json.dumps(result.context, default=str)))
    return RunRequest(
        checkpoint=checkpoint,
        run_id=trigger_job_id(checkpoint, trigger, fire_id),
        context=context,
    )


def _now() -> Any:
    from datetime import datetime

    return datetime.now(UTC)
