"""`LocalBackend`: runs in this process, through the executor the workers use, so a local
run behaves exactly like a run on the fleet (timeouts, error results, actions)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

from producer.client.backends.base import Ticket, build_request, target_name
from shared.catalog import CheckpointCatalog
from shared.checkpoint import Checkpoint
from shared.execution import CheckpointExecutor
from shared.firing.memory import MemoryFiringDecider
from shared.job import RunRequest
from shared.models import CheckpointResult
from shared.triggers.event import default_consumer
from shared.validation import error_result

#: Run ids remembered to recognise a firing submitted twice.
REMEMBERED_RUN_IDS = 10_000


class LocalBackend:
    """Executes runs on this event loop (validation in its own thread pool)."""

    kind = "local"

    def __init__(self, *, catalog: CheckpointCatalog | None = None, concurrency: int = 10) -> None:
        self._catalog = catalog or CheckpointCatalog()
        self._concurrency = concurrency
        self._executor: CheckpointExecutor | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._decider = MemoryFiringDecider()
        self._lock = asyncio.Lock()

    @property
    def redis(self) -> Redis | None:
        return None  # in-process: no fleet to read event streams from

    @property
    def trigger_consumer(self) -> str:
        return default_consumer()

    async def open(self) -> None:
        async with self._lock:
            if self._executor is not None:
                return
            self._executor = await CheckpointExecutor(concurrency=self._concurrency).open()

    async def aclose(self) -> None:
        async with self._lock:
            if self._executor is None:
                return
            executor, self._executor = self._executor, None
            await executor.aclose()

    async def submit(
        self, target: Checkpoint | str, *, run_id: str, context: Mapping[str, Any] | None = None
    ) -> Ticket:
        name = target_name(target)
        if run_id in self._seen:
            return Ticket(run_id=run_id, checkpoint_name=name, duplicate=True)
        self._seen[run_id] = None
        if len(self._seen) > REMEMBERED_RUN_IDS:
            self._seen.popitem(last=False)
        # The request is built as for the fleet, so bad input fails the same way here.
        request = build_request(target, run_id=run_id, context=context, spec=name)
        if isinstance(request, CheckpointResult):
            return Ticket(run_id=run_id, checkpoint_name=name, settled=request)
        checkpoint = target if isinstance(target, Checkpoint) else None
        return Ticket(run_id=run_id, checkpoint_name=name, checkpoint=checkpoint, request=request)

    async def wait(self, ticket: Ticket) -> CheckpointResult:
        if ticket.settled is not None:
            return ticket.settled
        if ticket.duplicate:
            message = "this run id was submitted already; its first submission runs it"
            return error_result(ticket.checkpoint_name, run_id=ticket.run_id, message=message)
        await self.open()
        executor = self._executor
        assert executor is not None and ticket.request is not None
        if ticket.checkpoint is not None:
            return await executor.execute(
                ticket.checkpoint, run_id=ticket.run_id, context=ticket.request.context
            )
        return await executor.execute_request(
            ticket.request, run_id=ticket.run_id, catalog=self._catalog
        )

    def prepare(self, checkpoint: Checkpoint, request: RunRequest) -> RunRequest:
        return request

    def adopt(self, checkpoint: Checkpoint, request: RunRequest) -> Ticket:
        assert request.run_id is not None
        self._seen[request.run_id] = None
        return Ticket(request.run_id, checkpoint.name, checkpoint=checkpoint, request=request)

    def firing_decider(self) -> MemoryFiringDecider:
        return self._decider

    async def after_enqueue(self) -> None:
        return None

    async def queue_depth(self) -> int | None:
        return None
