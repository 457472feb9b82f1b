"""What a run reads from and leaves in the memory of past runs, around its execution: the
earlier runs its learned baselines compare with, the alert state's transition, and its record
in the results store. Each step fails open: losing history must never fail a run."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from shared.errors import StoreError
from shared.models import CheckpointResult
from shared.sources.resolved import source_label
from shared.store.base import ResultStore, RunQuery
from shared.validators.history import PastRuns

if TYPE_CHECKING:
    from shared.alerts.base import Alerts
    from shared.checkpoint import Checkpoint

logger = logging.getLogger(__name__)

#: Longest wait for the alert state (Redis) before a run goes on without it.
ALERT_STATE_TIMEOUT_S = 1.0


async def load_past_runs(store: ResultStore | None, checkpoint: Checkpoint) -> PastRuns | None:
    """The checkpoint's earlier runs over its data source, as many as its validators compare
    with (`Validator.history_runs`); None when none asks or no store is at hand."""
    wanted = max((validator.history_runs() for validator in checkpoint.validators), default=0)
    if store is None or wanted == 0:
        return None
    query = RunQuery(
        checkpoint=checkpoint.name, data_asset=source_label(checkpoint.data_source), limit=wanted
    )
    try:
        return PastRuns(await store.runs(query))
    except StoreError as exc:  # baselines start over; the run itself goes on
        logger.warning("no run history for %s: %s", checkpoint.name, exc)
        return None


async def note_transition(alerts: Alerts | None, result: CheckpointResult) -> None:
    """Record the run's status in the alert state and keep the status before it on the
    result, for ``notify_on: new_failure / recovered / changed`` and incident actions."""
    if alerts is None:
        return
    try:
        # Bounded: during a Redis outage the run goes on (and publishes once Redis is back)
        # rather than waiting out the client's reconnect policy here.
        async with asyncio.timeout(ALERT_STATE_TIMEOUT_S):
            result.previous_status = await alerts.transition(
                result.checkpoint_name, result.run_id, result.status
            )
    except Exception as exc:  # fail open: the actions run as if nothing were known
        logger.warning("alert state unavailable for run %s: %s", result.run_id, exc)


async def record_run(store: ResultStore | None, result: CheckpointResult) -> None:
    """Keep the finished run in the results store (in-process runs)."""
    if store is None:
        return
    try:
        await store.record([result])
    except StoreError as exc:  # the run happened: losing its history must not fail it
        logger.warning("run %s not recorded in the results store: %s", result.run_id, exc)
