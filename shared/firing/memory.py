"""`MemoryFiringDecider`: the scheduler's decisions (`shared.firing.redis`) kept in memory,
for a runner without Redis. Same outcomes for the same situations: a firing decided before is a
``duplicate``; a checkpoint whose last run is still active is ``skipped`` or, with
``queue_latest``, ``deferred`` until that run ends; otherwise ``enqueued``. The runner reports
the end of each run with `run_finished`.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from datetime import datetime

from shared.checkpoint import OverlapPolicy
from shared.firing.base import Firing, Outcome, epoch_us

#: Firing ids remembered to recognise one seen twice.
REMEMBERED_FIRINGS = 10_000


class MemoryFiringDecider:
    """In-memory decisions for one process's triggers (a `FiringDecider`)."""

    def __init__(self) -> None:
        self._fired: OrderedDict[str, None] = OrderedDict()
        self._last_job: dict[str, str] = {}
        self._active: set[str] = set()
        self._deferred: dict[str, str] = {}
        self._skips: Counter[str] = Counter()
        self._ticks: dict[tuple[str, str], int] = {}

    async def decide(self, firing: Firing) -> Outcome:
        job_id, checkpoint = firing.job_id, firing.checkpoint
        if job_id in self._fired:
            return Outcome.DUPLICATE
        self._remember(job_id)
        if firing.tick is not None:
            key = (checkpoint, firing.trigger or "_")
            self._ticks[key] = max(self._ticks.get(key, 0), epoch_us(firing.tick))
        if firing.overlap is not OverlapPolicy.ALLOW and self._busy(checkpoint):
            if firing.overlap is OverlapPolicy.QUEUE_LATEST:
                if checkpoint in self._deferred:
                    self._skips[checkpoint] += 1  # the earlier deferred firing is replaced
                self._deferred[checkpoint] = job_id
                return Outcome.DEFERRED
            self._skips[checkpoint] += 1
            return Outcome.SKIPPED
        self._start(checkpoint, job_id)
        return Outcome.ENQUEUED

    async def release_deferred(self, checkpoint: str) -> str | None:
        if checkpoint not in self._deferred or self._busy(checkpoint):
            return None
        job_id = self._deferred.pop(checkpoint)
        self._start(checkpoint, job_id)
        return job_id

    def run_finished(self, job_id: str) -> None:
        """The run `job_id` ended: its checkpoint may start the next one."""
        self._active.discard(job_id)

    async def last_tick(self, checkpoint: str, trigger: str) -> int | None:
        return self._ticks.get((checkpoint, trigger))

    async def remember_tick(self, checkpoint: str, trigger: str, moment: datetime) -> None:
        self._ticks.setdefault((checkpoint, trigger), epoch_us(moment))

    async def squatter(self, firing: Firing) -> str | None:
        return None  # in-process: nobody else writes these ids

    async def overlap_skips(self, checkpoint: str) -> int:
        return self._skips[checkpoint]

    def _busy(self, checkpoint: str) -> bool:
        last = self._last_job.get(checkpoint)
        return last is not None and last in self._active

    def _start(self, checkpoint: str, job_id: str) -> None:
        self._last_job[checkpoint] = job_id
        self._active.add(job_id)

    def _remember(self, job_id: str) -> None:
        self._fired[job_id] = None
        if len(self._fired) > REMEMBERED_FIRINGS:
            self._fired.popitem(last=False)
