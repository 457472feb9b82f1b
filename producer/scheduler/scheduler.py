"""`Scheduler`: the process that starts checkpoint runs on its own.

It drives every enabled trigger of every checkpoint (one `TriggerDriver` task each) and the
request stream (one `RequestConsumer` task), all on one event loop: file scans and hashes run
in threads, Redis calls are async. Several schedulers may run at once against one Redis: the
deterministic job ids, the atomic decision script (`shared.firing.redis`) and the consumer
groups make them agree.
`run` returns once `stop` is set, after cancelling its tasks and stopping the triggers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from producer.scheduler.requests import ReadHook, RequestConsumer
from shared.backoff import Backoff
from shared.checkpoint import Checkpoint
from shared.firing.driver import RETRIABLE_ERRORS, TriggerDriver
from shared.firing.redis import RedisFiringDecider
from shared.metrics import SchedulerMetrics
from shared.publishing import ResultPublisher
from shared.settings import Settings
from shared.triggers.base import Clock, utc_now
from shared.triggers.event import default_consumer
from shared.trust.provenance import origin_for

logger = logging.getLogger(__name__)

#: How long stopping waits for a trigger to release what it holds.
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class SchedulerOptions:
    """How a scheduler process paces itself."""

    #: Pause between evaluations of a trigger that did not fire.
    poll_interval_s: float = 0.5
    #: A request pending this long on a (dead) scheduler is claimed by another.
    claim_idle_s: float = 60.0
    #: This process's consumer name in the consumer groups; default ``host-pid``.
    consumer: str | None = None
    #: Whether to read the request stream (off for a scheduler that only drives triggers).
    serve_requests: bool = True
    #: Seconds between reads of the fleet gauges (queue depth, stream lengths) for metrics.
    gauge_interval_s: float = 5.0


class Scheduler:
    """Drives the triggers of `checkpoints` and the request stream until stopped."""

    def __init__(
        self,
        settings: Settings,
        checkpoints: Sequence[Checkpoint],
        redis: Redis,
        options: SchedulerOptions | None = None,
        *,
        clock: Clock = utc_now,
        on_request_read: ReadHook | None = None,
        metrics: SchedulerMetrics | None = None,
    ) -> None:
        self.options = options or SchedulerOptions()
        self.consumer = self.options.consumer or default_consumer()
        keys = settings.keys
        self.metrics = metrics
        self._redis = redis
        self._keys = keys
        self.decider = RedisFiringDecider(
            redis,
            keys,
            on_outcome=metrics.record_firing if metrics is not None else None,
            origin=origin_for("scheduler", self.consumer),
            signing_key=settings.signing_key,
        )
        self.drivers = [
            TriggerDriver(
                checkpoint,
                trigger,
                redis=redis,
                keys=keys,
                decider=self.decider,
                consumer=self.consumer,
                poll_interval_s=self.options.poll_interval_s,
                clock=clock,
            )
            for checkpoint in checkpoints
            for trigger in checkpoint.triggers
            if getattr(trigger, "enabled", True)
        ]
        self.requests = RequestConsumer(
            redis,
            keys,
            self.decider,
            ResultPublisher(redis, settings),
            consumer=self.consumer,
            claim_idle_s=self.options.claim_idle_s,
            block_ms=max(1, int(self.options.poll_interval_s * 1000)),
            on_read=on_request_read,
            signing_key=settings.signing_key,
            signature_max_age_s=settings.signature_max_age_s,
            max_request_bytes=settings.max_request_bytes,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; then stop cleanly."""
        tasks = [
            asyncio.create_task(driver.run(), name=f"trigger {driver.label}")
            for driver in self.drivers
        ]
        if self.options.serve_requests:
            tasks.append(asyncio.create_task(self._serve_requests(), name="requests"))
        if self.metrics is not None:
            tasks.append(asyncio.create_task(self._refresh_gauges(), name="metrics"))
        logger.info(
            "scheduler %s started: %d trigger(s)%s",
            self.consumer,
            len(self.drivers),
            ", serving requests" if self.options.serve_requests else "",
        )
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._stop_triggers()
            logger.info("scheduler %s stopped", self.consumer)

    async def _refresh_gauges(self) -> None:
        assert self.metrics is not None
        while True:
            try:
                await self.metrics.fleet.refresh(self._redis, self._keys)
            except RETRIABLE_ERRORS as exc:
                logger.warning("metrics: cannot read the fleet gauges: %s", exc)
            await asyncio.sleep(self.options.gauge_interval_s)

    async def _serve_requests(self) -> None:
        backoff = Backoff()
        while True:
            try:
                await self.requests.step()
            except asyncio.CancelledError:
                raise
            except RETRIABLE_ERRORS as exc:
                delay_s = backoff.next_delay_s()
                logger.warning(
                    "requests: %s: %s: retrying in %.1f s", type(exc).__name__, exc, delay_s
                )
                await asyncio.sleep(delay_s)
                continue
            except Exception:
                delay_s = backoff.next_delay_s()
                logger.exception("requests: failed; retrying in %.1f s", delay_s)
                await asyncio.sleep(delay_s)
                continue
            backoff.reset()

    async def _stop_triggers(self) -> None:
        for driver in self.drivers:
            try:
                await asyncio.wait_for(driver.stop(), STOP_TIMEOUT_S)
            except Exception as exc:  # stopping must go on: the process is exiting
                logger.warning("trigger %s did not stop cleanly: %s", driver.label, exc)
