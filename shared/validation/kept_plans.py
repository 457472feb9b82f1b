"""Scan plans kept between runs of one checkpoint over unchanged data.

Planning a run (reading the schema, building every validator's expressions, fresh validator
instances) costs as much as scanning a small file. A checkpoint that runs again over the same
in-memory frame (a small local file kept read while unchanged, `shared.sources.files`, or a
frame handed in-process) with the same validators gets the plan of its previous run, shared by
concurrent runs: so only when every validator says its plan can be shared
(`Validator.shares_plan`: `evaluate` reads only what `plan` kept and compares with no earlier
run). Any change (the file, hence its frame; the validators list) plans anew.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING

import polars as pl

from shared.validation.plan import ScanPlan

if TYPE_CHECKING:
    from shared.checkpoint import Checkpoint

#: Checkpoints whose last plan is kept (the least recently used go first).
PLANS_KEPT = 256

_Key = tuple[int, tuple[int, ...]]


class KeptPlans:
    """The last shareable plan of each recent checkpoint, safe to use from several threads."""

    def __init__(self, size: int = PLANS_KEPT) -> None:
        self._size = size
        self._lock = threading.Lock()
        # id(checkpoint) -> (the checkpoint, weakly; the frame; what the plan was made of)
        self._plans: OrderedDict[
            int, tuple[weakref.ref[Checkpoint], pl.LazyFrame, _Key, ScanPlan]
        ] = OrderedDict()

    def get(self, checkpoint: Checkpoint, frame: pl.LazyFrame) -> ScanPlan | None:
        """The kept plan of `checkpoint` over `frame` (the very object), if any."""
        with self._lock:
            kept = self._plans.get(id(checkpoint))
            if kept is None:
                return None
            owner, kept_frame, key, plan = kept
            if (
                owner() is not checkpoint
                or kept_frame is not frame
                or key != _key_of(checkpoint, frame)
            ):
                return None
            self._plans.move_to_end(id(checkpoint))
            return plan

    def keep(self, checkpoint: Checkpoint, frame: pl.LazyFrame, plan: ScanPlan) -> None:
        """Keep `plan` (of `checkpoint` over `frame`) when every validator allows sharing it."""
        if not all(part.validator.shares_plan() for part in plan.validators):
            return
        if len(plan.validators) != len(checkpoint.validators):
            return  # a validator did not plan: an error result, nothing to share
        with self._lock:
            self._plans[id(checkpoint)] = (
                weakref.ref(checkpoint),
                frame,
                _key_of(checkpoint, frame),
                plan,
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
