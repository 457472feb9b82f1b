"""What a runner needs from where runs execute: submit a run, wait for its result.

Two backends implement `RunBackend` with one behaviour (one test suite runs against both):
`LocalBackend` executes in this process through `shared.execution.CheckpointExecutor`, the
code the workers run; `RedisBackend` enqueues to the fleet and waits on the client's reply
stream. `open_backend` picks one from the config and the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError
from redis.asyncio import Redis

from shared.checkpoint import Checkpoint
from shared.firing.base import FiringDecider
from shared.job import RunRequest
from shared.models import CheckpointResult
from shared.validation import error_result


@dataclass(frozen=True, slots=True)
class Ticket:
    """A submitted run: what `RunBackend.wait` needs to deliver its result."""

    run_id: str
    checkpoint_name: str
    #: The checkpoint object, when the client knows it (local runs execute it directly).
    checkpoint: Checkpoint | None = None
    request: RunRequest | None = None
    #: The run id was submitted before (a firing seen twice): no second run was started.
    duplicate: bool = False
    #: The result already known at submission: an `error` result for a request that could
    #: not be built (a context that is not plain data, a checkpoint without a spec form).
    settled: CheckpointResult | None = None


class RunBackend(Protocol):
    """Where runs execute. `open` before use, `aclose` after; both are idempotent."""

    kind: str

    @property
    def redis(self) -> Redis | None:
        """The open client of the fleet, which event triggers read their streams with; None
        in-process (and before `open`)."""
        ...

    @property
    def trigger_consumer(self) -> str:
        """The consumer name this client's event triggers read their streams under."""
        ...

    async def open(self) -> None: ...

    async def aclose(self) -> None: ...

    async def submit(
        self, target: Checkpoint | str, *, run_id: str, context: Mapping[str, Any] | None = None
    ) -> Ticket:
        """Start the run of `target` (a checkpoint, or a name the executors know) as
        `run_id`. Never raises for bad input: the ticket then carries an `error` result."""
        ...

    async def wait(self, ticket: Ticket) -> CheckpointResult:
        """The result of a submitted run. Cancelling the wait does not lose the run on the
        fleet: its result is still published under the run id."""
        ...

    def prepare(self, checkpoint: Checkpoint, request: RunRequest) -> RunRequest:
        """A trigger's request as this backend sends it (the fleet needs the spec and the
        reply stream). `SpecError` when the checkpoint cannot travel."""
        ...

    def adopt(self, checkpoint: Checkpoint, request: RunRequest) -> Ticket:
        """A ticket for a run the firing decider already decided to start."""
        ...

    def firing_decider(self) -> FiringDecider:
        """Who decides the firings of this backend's triggers (open it first)."""
        ...

    async def after_enqueue(self) -> None:
        """Called after a trigger's run was enqueued (wakes idle workers)."""
        ...

    async def queue_depth(self) -> int | None:
        """Jobs waiting in the fleet's queue (None for the local backend)."""
        ...


def target_name(target: Checkpoint | str) -> str:
    return target if isinstance(target, str) else str(target.name)


def build_request(
    target: Checkpoint | str,
    *,
    run_id: str,
    context: Mapping[str, Any] | None,
    spec: dict[str, Any] | str,
    reply_to: str | None = None,
) -> RunRequest | CheckpointResult:
    """The run request, or an `error` result saying why there cannot be one."""
    try:
        return RunRequest(
            checkpoint=spec, run_id=run_id, context=dict(context or {}), reply_to=reply_to
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'request'}: {item['msg']}"
            for item in exc.errors()
        )
        return error_result(
            target_name(target), run_id=run_id, message=f"invalid run request: {problems}"
        )
