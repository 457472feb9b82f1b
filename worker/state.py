"""What a worker process creates once at start-up and closes at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

from shared.catalog import CheckpointCatalog
from shared.execution import CheckpointExecutor
from shared.metrics import MetricsServer, WorkerMetrics
from shared.publishing import ResultPublisher
from shared.settings import Settings
from worker.monitor import WorkerMonitor

#: Key of the `WorkerState` in arq's worker context.
STATE_KEY = "checkfleet"


@dataclass(slots=True)
class WorkerState:
    settings: Settings
    catalog: CheckpointCatalog
    executor: CheckpointExecutor
    publisher: ResultPublisher
    metrics: WorkerMetrics
    monitor: WorkerMonitor
    metrics_server: MetricsServer | None = None
