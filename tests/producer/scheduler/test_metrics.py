"""Scheduler metrics, scraped from the real HTTP endpoint."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from producer.scheduler.scheduler import Scheduler, SchedulerOptions
from shared.checkpoint import Checkpoint
from shared.metrics import SchedulerMetrics, serve_metrics
from shared.settings import Settings
from shared.triggers import ScheduleTrigger
from tests.worker.test_observability import free_port, scrape


async def test_firings_and_fleet_gauges_are_served(settings: Settings, redis: Redis) -> None:
    checkpoint = Checkpoint("orders", "orders.csv", validators=["null"]).add_trigger(
        ScheduleTrigger(interval_seconds=0.05)
    )
    metrics = SchedulerMetrics()
    server = serve_metrics(metrics.registry, free_port())
    assert server is not None
    options = SchedulerOptions(
        poll_interval_s=0.02, consumer="s-1", serve_requests=False, gauge_interval_s=0.05
    )
    scheduler = Scheduler(settings, [checkpoint], redis, options, metrics=metrics)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    try:
        for _ in range(200):  # no worker: the first run stays queued, later firings are skipped
            samples = await asyncio.to_thread(scrape, server.port)
            skipped = (
                "checkfleet_firings_total",
                (("checkpoint", "orders"), ("outcome", "skipped")),
            )
            if samples.get(skipped, 0) >= 1 and samples[("checkfleet_queue_depth", ())] == 1:
                break
            await asyncio.sleep(0.05)
        enqueued = ("checkfleet_firings_total", (("checkpoint", "orders"), ("outcome", "enqueued")))
        assert samples[enqueued] == 1
        assert samples[skipped] >= 1
        assert samples[("checkfleet_queue_depth", ())] == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        server.close()
