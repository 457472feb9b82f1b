"""What a worker process creates once at start-up and closes at shutdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.errors import SpecError
from shared.trust.provenance import spec_hash

if TYPE_CHECKING:  # types only: `worker.waking` imports this module, and stays light
    from shared.catalog import CheckpointCatalog
    from shared.execution import CheckpointExecutor
    from shared.metrics import MetricsServer, WorkerMetrics
    from shared.publishing import ResultPublisher
    from shared.settings import Settings
    from shared.trust.policy import InlineSpecPolicy
    from shared.validation.scan_process import ScanProcesses
    from worker.monitor import WorkerMonitor
    from worker.reload import DefinitionsReloader
    from worker.run_records import RunRecords

#: Key of the `WorkerState` in arq's worker context.
STATE_KEY = "checkfleet"
#: Key of the set of job ids arq is aborting (`Worker.aborting_tasks`) in the worker context:
#: a cancelled job tells an abort (publish a "cancelled" result) from a shutdown (re-queued).
ABORTING_KEY = "checkfleet_aborting"
#: A run's timeout is capped at this share of `CHECKFLEET_JOB_TIMEOUT_S`.
RUN_SHARE_OF_JOB_TIMEOUT = 0.9


@dataclass(slots=True)
class WorkerState:
    settings: Settings
    catalog: CheckpointCatalog
    executor: CheckpointExecutor
    publisher: ResultPublisher
    metrics: WorkerMetrics
    monitor: WorkerMonitor
    #: The jobs this worker runs, recorded in Redis (deaths, the fleet's running hash).
    runs: RunRecords
    #: The policy unsigned inline specs run under; None when CHECKFLEET_INLINE_SPECS=trusted.
    policy: InlineSpecPolicy | None
    scan_processes: ScanProcesses
    metrics_server: MetricsServer | None = None
    #: Reloads `catalog` on SIGHUP and when the definitions file changes.
    reloader: DefinitionsReloader | None = None
    #: Per registered name: the checkpoint last hashed (a reload replaces it) and its hash.
    _spec_hashes: dict[str, tuple[object, str | None]] = field(default_factory=dict)

    @property
    def max_run_s(self) -> float:
        """The longest a run may take: below arq's job limit, so the run's own timeout ends
        it with an `error` result before arq would cancel the job without one."""
        return self.settings.job_timeout_s * RUN_SHARE_OF_JOB_TIMEOUT

    def registered_spec_hash(self, name: str) -> str | None:
        """The spec hash of a registered checkpoint (None when unknown or without spec form)."""
        try:
            checkpoint = self.catalog.get(name)
        except SpecError:
            return None
        cached = self._spec_hashes.get(name)
        if cached is not None and cached[0] is checkpoint:
            return cached[1]
        try:
            hashed: str | None = spec_hash(checkpoint.to_spec())
        except SpecError:
            hashed = None
        self._spec_hashes[name] = (checkpoint, hashed)
        return hashed
