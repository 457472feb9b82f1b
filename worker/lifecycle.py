"""`on_startup` / `on_shutdown`: the long-lived parts of a worker, created once and closed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from shared.action_ledger import RedisActionLedger
from shared.alerts import RedisAlerts
from shared.catalog import CheckpointCatalog
from shared.execution import CheckpointExecutor
from shared.fleet import Heartbeat, new_worker_id, started_now
from shared.logs import configure_logging
from shared.metrics import WorkerMetrics, serve_metrics
from shared.plugins import import_plugins
from shared.publishing import ResultPublisher
from shared.redis_safety import check_redis_safety
from shared.settings import Settings
from shared.trust.policy import InlineSpecPolicy
from shared.validation.scan_process import ScanProcesses
from worker.event_loop import event_loop_kind
from worker.monitor import WorkerMonitor
from worker.reload import DefinitionsReloader
from worker.run_records import RunRecords
from worker.state import STATE_KEY, WorkerState

logger = logging.getLogger(__name__)

Hook = Callable[[dict[str, Any]], Awaitable[None]]


def lifecycle_hooks(settings: Settings) -> tuple[Hook, Hook]:
    """The start-up and shutdown hooks of a worker configured by `settings`."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        # Here, not at import: arq's CLI configures its logging after importing the settings,
        # and this replaces arq's handler so every line (arq's too) has one format.
        configure_logging(settings)
        import_plugins(settings.plugins)
        catalog = CheckpointCatalog.from_location(settings.checkpoints)
        # A timed-out run's large scan is killed at once, freeing its CPU (ScanProcesses).
        scan_processes = ScanProcesses()
        # In the background: start-up does not wait for the forkserver to import polars.
        warming = threading.Thread(
            target=scan_processes.warm, name="checkfleet-scan-warm", daemon=True
        )
        warming.start()
        # One executor for every run of the process: its limits bound actions across checkpoints.
        # The store (when configured) is only read here (baselines, report trends):
        # `checkfleet archive` records the fleet's runs. Alert state is fleet-wide in Redis.
        executor = await CheckpointExecutor(
            concurrency=settings.worker_concurrency,
            action_type_limits=settings.action_type_limits,
            store_url=settings.store_url,
            alerts=RedisAlerts(ctx["redis"], settings.keys),
            action_ledger=RedisActionLedger(
                ctx["redis"], settings.keys, ttl_s=settings.result_ttl_s
            ),
            scanner=scan_processes,
        ).open()
        metrics = WorkerMetrics()
        heartbeat = Heartbeat(
            worker_id=new_worker_id(), started_at=started_now(), queue=settings.keys.queue
        )
        runs = RunRecords(ctx["redis"], settings.keys, heartbeat.worker_id)
        monitor = WorkerMonitor(
            ctx["redis"],
            settings.keys,
            heartbeat,
            metrics,
            runs,
            interval_s=settings.heartbeat_s,
            ttl_s=settings.heartbeat_ttl_s,
        )
        ctx[STATE_KEY] = WorkerState(
            settings=settings,
            catalog=catalog,
            executor=executor,
            scan_processes=scan_processes,
            publisher=ResultPublisher(ctx["redis"], settings),
            metrics=metrics,
            monitor=monitor,
            runs=runs,
            policy=None if settings.inline_specs == "trusted" else InlineSpecPolicy(settings),
            metrics_server=serve_metrics(metrics.registry, settings.metrics_port),
        )
        if settings.inline_specs == "trusted":
            logger.warning(
                "CHECKFLEET_INLINE_SPECS=trusted: inline specs from anyone who can write to"
                " Redis run unchecked (any file, host or module); see docs/security.md"
            )
        await monitor.epoch.adopt()
        for problem in await check_redis_safety(ctx["redis"]):
            logger.warning("%s", problem)
        monitor.start()
        reloader = DefinitionsReloader(ctx[STATE_KEY], settings.checkpoints)
        reloader.start()
        ctx[STATE_KEY].reloader = reloader
        logger.info(
            "worker %s ready: queue %s, %d checkpoints registered (%s), %s event loop",
            heartbeat.worker_id,
            settings.keys.queue,
            len(catalog),
            ", ".join(catalog.names()) or "inline specs only",
            event_loop_kind(),
        )

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        state: WorkerState | None = ctx.pop(STATE_KEY, None)
        if state is None:
            return
        if state.reloader is not None:
            await state.reloader.stop()
        await state.monitor.stop()
        if state.metrics_server is not None:
            state.metrics_server.close()
        await state.executor.aclose()
        state.scan_processes.close()

    return on_startup, on_shutdown
