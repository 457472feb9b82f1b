"""Scan plans kept between runs of one checkpoint over unchanged data.

Planning a run (reading the schema, building every validator's expressions, fresh validator
instances) costs as much as scanning a small file. A checkpoint that runs again over the same
in-memory frame (a small local file kept read while unchanged, `shared.sources.files`, or a
frame handed in-process) with the same validators gets the plan of its previous run, shared by
concurrent runs: so only when every validator says its plan can be shared
(`Validator.shares_plan`: `evaluate` reads only what `plan` kept and compares with no earlier
run). Any change (the file, hence its frame; the validators list) plans anew.

Over a kept small file's frame (`shared.sources.files.is_settled`: in memory, and replaced when
the file changes) what the plan's scan found is kept with the plan as well: the same checks over
the same rows find the same figures, so a re-run judges them again (and builds its own result)
without querying the rows again. A frame handed in-process is not settled (a lazy frame over a
file reads the file anew at each collect): its runs scan every time.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from shared.sources.files import is_settled
from shared.validation.plan import ScanPlan

if TYPE_CHECKING:
    from shared.checkpoint import Checkpoint

#: Checkpoints whose last plan is kept (the least recently used go first).
PLANS_KEPT = 256

_Key = tuple[int, tuple[int, ...]]


@dataclass
class _Kept:
    owner: weakref.ref[Checkpoint]
    frame: pl.LazyFrame
    key: _Key
    plan: ScanPlan
    #: What the plan's scan found, once kept (`KeptPlans.keep_scanned`).
    scanned: Mapping[str, Any] | None = None


class KeptPlans:
    """The last shareable plan of each recent checkpoint, safe to use from several threads."""

    def __init__(self, size: int = PLANS_KEPT) -> None:
        self._size = size
        self._lock = threading.Lock()
        # id(checkpoint) -> the checkpoint (weakly), the frame, what the plan was made of
        self._plans: OrderedDict[int, _Kept] = OrderedDict()

    def get(self, checkpoint: Checkpoint, frame: pl.LazyFrame) -> ScanPlan | None:
        """The kept plan of `checkpoint` over `frame` (the very object), if any."""
        kept = self._find(checkpoint, frame)
        return None if kept is None else kept.plan

    def scanned(self, checkpoint: Checkpoint, frame: pl.LazyFrame) -> Mapping[str, Any] | None:
        """What the kept plan of `checkpoint` over `frame` found when it scanned, if kept."""
        kept = self._find(checkpoint, frame)
        return None if kept is None else kept.scanned

    def keep_scanned(
        self, checkpoint: Checkpoint, frame: pl.LazyFrame, plan: ScanPlan, row: Mapping[str, Any]
    ) -> None:
        """Keep what `plan`'s scan of `frame` found, when `plan` is the kept one and `frame`
        is settled (`shared.sources.files.is_settled`)."""
        if not is_settled(frame):
            return
        kept = self._find(checkpoint, frame)
        if kept is not None and kept.plan is plan:
            kept.scanned = row

    def _find(self, checkpoint: Checkpoint, frame: pl.LazyFrame) -> _Kept | None:
        with self._lock:
            kept = self._plans.get(id(checkpoint))
            if kept is None:
                return None
            if (
                kept.owner() is not checkpoint
                or kept.frame is not frame
                or kept.key != _key_of(checkpoint, frame)
            ):
                return None
            self._plans.move_to_end(id(checkpoint))
            return kept

    def keep(self, checkpoint: Checkpoint, frame: pl.LazyFrame, plan: ScanPlan) -> None:
        """Keep `plan` (of `checkpoint` over `frame`) when every validator allows sharing it."""
        if not all(part.validator.shares_plan() for part in plan.validators):
            return
        if len(plan.validators) != len(checkpoint.validators):
            return  # a validator did not plan: an error result, nothing to share
        with self._lock:
            self._plans[id(checkpoint)] = _Kept(
                weakref.ref(checkpoint), frame, _key_of(checkpoint, frame), plan
            )
            self._plans.move_to_end(id(checkpoint))
            while len(self._plans) > self._size:
                self._plans.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()


def _key_of(checkpoint: Checkpoint, frame: pl.LazyFrame) -> _Key:
    return id(frame), tuple(id(validator) for validator in checkpoint.validators)


#: The plans of this process's runs.
KEPT_PLANS = KeptPlans()
