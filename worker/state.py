"""What a worker process creates once at start-up and closes at shutdown."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from shared.async_base import AsyncExecutionContext
from shared.catalog import CheckpointCatalog
from shared.execution import CheckpointExecutor
from shared.publishing import ResultPublisher
from shared.settings import Settings

#: Key of the `WorkerState` in arq's worker context.
STATE_KEY = "checkfleet"


@dataclass(slots=True)
class WorkerState:
    settings: Settings
    catalog: CheckpointCatalog
    thread_pool: ThreadPoolExecutor
    action_context: AsyncExecutionContext
    executor: CheckpointExecutor
    publisher: ResultPublisher
