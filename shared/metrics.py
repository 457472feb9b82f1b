"""Prometheus metrics of worker and scheduler processes (prometheus-client).

Names follow the Prometheus guide: one prefix ``checkfleet_``, base units (seconds), ``_total``
on counters. Each process keeps its metrics in its own `CollectorRegistry` (tests can build
many), served over HTTP by `MetricsServer` when ``CHECKFLEET_METRICS_PORT`` is set.

Fleet-wide gauges (queue depth, results stream length, dead letters) are read from Redis by
`FleetGauges.refresh`, which the process calls every few seconds; every process of a fleet
reports the same values, so aggregate them with ``max``, not ``sum``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from redis.asyncio import Redis

from shared.keys import Keys
from shared.models import CheckpointResult

logger = logging.getLogger(__name__)

PREFIX = "checkfleet"
#: Run durations span milliseconds (small files) to minutes (large scans).
DURATION_BUCKETS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class FleetGauges:
    """What every process can see of the whole fleet in Redis."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.queue_depth = Gauge(
            f"{PREFIX}_queue_depth",
            "Jobs in the queue, waiting or running (arq keeps a job there until it ends).",
            registry=registry,
        )
        self.results_stream_length = Gauge(
            f"{PREFIX}_results_stream_length",
            "Entries on the results stream (trimmed to about CHECKFLEET_RESULTS_MAXLEN).",
            registry=registry,
        )
        self.dead_letters = Gauge(
            f"{PREFIX}_dead_letters",
            "Entries on the dead-letter stream.",
            registry=registry,
        )

    async def refresh(self, redis: Redis, keys: Keys) -> None:
        """Read the three figures from Redis in one round trip."""
        async with redis.pipeline(transaction=False) as pipe:
            pipe.zcard(keys.queue)
            pipe.xlen(keys.results)
            pipe.xlen(keys.dead)
            queued, results, dead = await pipe.execute()
        self.queue_depth.set(queued)
        self.results_stream_length.set(results)
        self.dead_letters.set(dead)


class WorkerMetrics:
    """The metrics of a worker process: its runs, their actions, and the fleet gauges."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.runs = Counter(
            f"{PREFIX}_runs",
            "Checkpoint runs finished, by checkpoint and status.",
            ["checkpoint", "status"],
            registry=self.registry,
        )
        self.run_duration = Histogram(
            f"{PREFIX}_run_duration_seconds",
            "Wall time of a checkpoint run (validation and actions).",
            ["checkpoint"],
            buckets=DURATION_BUCKETS_S,
            registry=self.registry,
        )
        self.validation_rows = Counter(
            f"{PREFIX}_validation_rows",
            "Data rows validated, by checkpoint.",
            ["checkpoint"],
            registry=self.registry,
        )
        self.action_results = Counter(
            f"{PREFIX}_action_results",
            "Action outcomes, by action type and status.",
            ["action_type", "status"],
            registry=self.registry,
        )
        self.jobs_in_progress = Gauge(
            f"{PREFIX}_jobs_in_progress",
            "Runs this worker process is executing now.",
            registry=self.registry,
        )
        self.fleet = FleetGauges(self.registry)

    def record_result(self, result: CheckpointResult) -> None:
        """Count a finished run, its rows and its actions."""
        checkpoint = result.checkpoint_name
        self.runs.labels(checkpoint=checkpoint, status=result.status.value).inc()
        self.run_duration.labels(checkpoint=checkpoint).observe(result.duration_ms / 1000)
        if result.row_count:
            self.validation_rows.labels(checkpoint=checkpoint).inc(result.row_count)
        for outcome in result.action_results:
            self.action_results.labels(
                action_type=outcome.action_type or "unknown", status=outcome.status.value
            ).inc()

    @contextmanager
    def track_job(self) -> Iterator[None]:
        """Counts the block as a job in progress."""
        self.jobs_in_progress.inc()
        try:
            yield
        finally:
            self.jobs_in_progress.dec()


class SchedulerMetrics:
    """The metrics of a scheduler process: firings by outcome, and the fleet gauges."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.firings = Counter(
            f"{PREFIX}_firings",
            "Trigger firings and requests decided, by checkpoint and outcome "
            "(enqueued, duplicate, skipped, deferred).",
            ["checkpoint", "outcome"],
            registry=self.registry,
        )
        self.fleet = FleetGauges(self.registry)

    def record_firing(self, checkpoint: str, outcome: str) -> None:
        self.firings.labels(checkpoint=checkpoint, outcome=outcome).inc()


class ArchiverMetrics:
    """The metrics of `checkfleet archive`: runs archived, batches, and how far behind the
    results stream it is."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.archived = Counter(
            f"{PREFIX}_archived_runs",
            "Results written to the store (new) or found there already (duplicate).",
            ["outcome"],
            registry=self.registry,
        )
        self.batch_duration = Histogram(
            f"{PREFIX}_archive_batch_duration_seconds",
            "Time to write one batch of results to the store.",
            buckets=DURATION_BUCKETS_S,
            registry=self.registry,
        )
        self.lag_entries = Gauge(
            f"{PREFIX}_archive_lag_entries",
            "Results on the stream not archived yet: never delivered to an archiver, or "
            "delivered and not acknowledged (fleet-wide: aggregate with max).",
            registry=self.registry,
        )
        self.lag_seconds = Gauge(
            f"{PREFIX}_archive_lag_seconds",
            "Age of the newest result archived by this process when it was archived.",
            registry=self.registry,
        )
        self.store_errors = Counter(
            f"{PREFIX}_archive_store_errors",
            "Batches the store refused (retried until they are written).",
            registry=self.registry,
        )

    def record_batch(self, new: int, total: int) -> None:
        self.archived.labels(outcome="new").inc(new)
        self.archived.labels(outcome="duplicate").inc(total - new)


class MetricsServer:
    """The ``/metrics`` HTTP endpoint of one registry, in a daemon thread."""

    def __init__(self, registry: CollectorRegistry, port: int, host: str = "0.0.0.0") -> None:
        self._server: WSGIServer
        self._thread: Thread
        self._server, self._thread = start_http_server(port, addr=host, registry=registry)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_metrics(registry: CollectorRegistry, port: int | None) -> MetricsServer | None:
    """Serve `registry` on `port`; None when metrics are off. A port in use is logged, not
    fatal: metrics must not keep a worker from working."""
    if port is None:
        return None
    try:
        server = MetricsServer(registry, port)
    except OSError as exc:
        logger.error("cannot serve metrics on port %d: %s; running without metrics", port, exc)
        return None
    logger.info("serving Prometheus metrics on port %d", server.port)
    return server
