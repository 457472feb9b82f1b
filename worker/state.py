"""What a worker process creates once at start-up and closes at shutdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: `worker.waking` imports this module, and stays light
    from shared.catalog import CheckpointCatalog
    from shared.execution import CheckpointExecutor
    from shared.metrics import MetricsServer, WorkerMetrics
    from shared.publishing import ResultPublisher
    from shared.settings import Settings
    from shared.validation.scan_process import ScanProcesses
    from worker.monitor import WorkerMonitor
    from worker.reload import DefinitionsReloader

#: Key of the `WorkerState` in arq's worker context.
STATE_KEY = "checkfleet"
#: Key of the set of job ids arq is aborting (`Worker.aborting_tasks`) in the worker context:
#: a cancelled job tells an abort (publish a "cancelled" result) from a shutdown (re-queued).
ABORTING_KEY = "checkfleet_aborting"


@dataclass(slots=True)
class WorkerState:
    settings: Settings
    catalog: CheckpointCatalog
    executor: CheckpointExecutor
    publisher: ResultPublisher
    metrics: WorkerMetrics
    monitor: WorkerMonitor
    scan_processes: ScanProcesses
    metrics_server: MetricsServer | None = None
    #: Reloads `catalog` on SIGHUP and when the definitions file changes.
    reloader: DefinitionsReloader | None = None
