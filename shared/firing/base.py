"""What a trigger driver needs decided about each firing, and the words for it.

A firing (a tick, a stream event, a file version) becomes at most one run. Whether it does is
a `FiringDecider`'s call: ``duplicate`` when the firing was decided before (by this or another
scheduler), ``skipped`` or ``deferred`` when the checkpoint's last run is still active and its
overlap policy says so, otherwise ``enqueued``. The scheduler decides on the fleet
(`shared.firing.redis.RedisFiringDecider`, one Lua script over Redis); the client API's
embedded scheduler decides through its backend (`RunBackend.firing_decider`: the same Redis
decider on the fleet, `shared.firing.memory.MemoryFiringDecider` in-process).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from shared.checkpoint import OverlapPolicy
from shared.job import RunRequest


class Outcome(StrEnum):
    """What became of one firing."""

    ENQUEUED = "enqueued"
    #: Another scheduler (or an earlier attempt) decided about this firing already.
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True)
class Firing:
    """One firing to decide about: its job id, the request, and how to treat an active run."""

    job_id: str
    request: RunRequest
    #: The checkpoint name the overlap policy and last job are kept under.
    checkpoint: str
    overlap: OverlapPolicy = OverlapPolicy.SKIP
    #: For time-based triggers: the tick and the trigger name, to advance its last tick.
    tick: datetime | None = None
    trigger: str = ""


class FiringDecider(Protocol):
    """Decides firings and keeps what deciding needs to remember (last ticks, skips)."""

    async def decide(self, firing: Firing) -> Outcome:
        """Decide about one firing and record the decision; an ``enqueued`` firing's run is
        started (on the fleet: its job is in the queue)."""
        ...

    async def release_deferred(self, checkpoint: str) -> str | None:
        """Start the checkpoint's deferred firing if its previous run ended; its job id."""
        ...

    def run_finished(self, job_id: str) -> None:
        """The run `job_id` ended (deciders that cannot see runs end by themselves)."""
        ...

    async def squatter(self, firing: Firing) -> str | None:
        """After a ``duplicate``: a description of whoever else took the firing's job id (not
        a scheduler or client sending this checkpoint), or None for a true duplicate."""
        ...

    async def last_tick(self, checkpoint: str, trigger: str) -> int | None:
        """The last tick handled for a trigger, in epoch microseconds, if any."""
        ...

    async def remember_tick(self, checkpoint: str, trigger: str, moment: datetime) -> None:
        """Record `moment` as the trigger's last tick unless one is recorded already."""
        ...

    async def overlap_skips(self, checkpoint: str) -> int:
        """How many firings of the checkpoint were skipped for overlap so far."""
        ...


def epoch_us(moment: datetime) -> int:
    """`moment` (timezone-aware) as whole microseconds since the epoch."""
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def from_epoch_us(value: int) -> datetime:
    """The UTC moment of `value` microseconds since the epoch (the inverse of `epoch_us`)."""
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)
