"""`BackgroundRuns`: the runs a runner's triggers started, each a task waiting for its result,
and the results in hand that still wait for room in the result queue; at stop, what was not
delivered within the graceful shutdown timeout, so it can be reported, never dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from producer.client.backends import Ticket
from shared.models import CheckpointResult


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A run cancelled at the shutdown timeout, with its result when it had one (the result
    went to the result callback, but the queue stayed full)."""

    ticket: Ticket
    held: CheckpointResult | None


class BackgroundRuns:
    """Tasks of background runs with their tickets; `changed` is set whenever one ends."""

    def __init__(self, changed: asyncio.Event) -> None:
        self._tickets: dict[asyncio.Task[None], Ticket] = {}
        self._held: dict[str, CheckpointResult] = {}
        self._changed = changed

    def __len__(self) -> int:
        return len(self._tickets)

    def track(self, task: asyncio.Task[None], ticket: Ticket, on_done: Callable[[], None]) -> None:
        """Keep `task` until it ends; then forget it and call `on_done`."""
        self._tickets[task] = ticket

        def forget(task: asyncio.Task[None]) -> None:
            self._tickets.pop(task, None)
            self._changed.set()
            on_done()

        task.add_done_callback(forget)

    def hold(self, result: CheckpointResult) -> None:
        """`result` is in hand and waits for room in the result queue."""
        self._held[result.run_id] = result

    def delivered(self, result: CheckpointResult) -> None:
        del self._held[result.run_id]
        self._changed.set()

    async def drain(self, timeout_s: float) -> list[Undelivered]:
        """Let the runs finish for `timeout_s`, then cancel the rest; what they left."""
        pending = set(self._tickets)
        if pending:
            _done, pending = await asyncio.wait(pending, timeout=timeout_s)
        undelivered: list[Undelivered] = []
        for task in pending:
            ticket = self._tickets.get(task)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if ticket is not None:
                undelivered.append(Undelivered(ticket, self._held.pop(ticket.run_id, None)))
        return undelivered
