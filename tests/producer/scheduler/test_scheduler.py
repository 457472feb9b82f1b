"""The scheduler in-process: files, event bursts, two schedulers on one Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from producer.scheduler.scheduler import Scheduler, SchedulerOptions
from shared.checkpoint import Checkpoint
from shared.settings import Settings
from shared.triggers import EventTrigger, FileWatchTrigger
from tests.support.queue import queued_job_ids, queued_requests

STREAM = "orders:landed"


@asynccontextmanager
async def running(
    settings: Settings, redis: Redis, checkpoints: list[Checkpoint], name: str
) -> AsyncIterator[Scheduler]:
    options = SchedulerOptions(poll_interval_s=0.02, consumer=name, serve_requests=False)
    scheduler = Scheduler(settings, checkpoints, redis, options)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    try:
        yield scheduler
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


async def settle() -> None:
    """Let every driver evaluate a few more times, so a late extra firing would show."""
    await asyncio.sleep(0.3)


def checkpoint_with(trigger: Any, **fields: Any) -> Checkpoint:
    return Checkpoint("orders", "orders.csv", validators=["null"], **fields).add_trigger(trigger)


async def test_a_file_arrival_starts_one_run_with_two_schedulers(
    settings: Settings, redis: Redis, tmp_path: Path
) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "old.csv").write_text("id\n0\n")  # present at start: the baseline, no run

    def watching() -> Checkpoint:
        trigger = FileWatchTrigger(name="inbox", paths=[str(inbox / "*.csv")], settle_s=0.05)
        return checkpoint_with(trigger)

    async with (
        running(settings, redis, [watching()], "scheduler-a"),
        running(settings, redis, [watching()], "scheduler-b"),
    ):
        await asyncio.sleep(0.3)  # both took their baseline
        (inbox / "orders.csv").write_text("id\n1\n2\n")

        async def one_job() -> bool:
            return len(await queued_job_ids(redis)) >= 1

        await wait_until(one_job)
        await settle()
    requests = await queued_requests(redis)
    assert len(requests) == 1
    (request,) = requests.values()
    assert request["context"]["paths"] == [str(inbox / "orders.csv")]
    assert request["context"]["files"][0]["change"] == "created"


async def test_a_burst_of_five_events_is_one_run_with_every_event(
    settings: Settings, redis: Redis
) -> None:
    trigger = EventTrigger(name="landed", stream=STREAM, debounce_s=0.3)
    async with running(settings, redis, [checkpoint_with(trigger)], "scheduler-a"):
        await asyncio.sleep(0.2)  # the consumer group exists: events from now on count
        ids = [
            (await redis.xadd(STREAM, {"table": "orders", "n": str(n)})).decode() for n in range(5)
        ]

        async def one_job() -> bool:
            return len(await queued_job_ids(redis)) >= 1

        await wait_until(one_job)
        await settle()
    (request,) = (await queued_requests(redis)).values()
    assert request["context"]["event_ids"] == ids
    assert [event["fields"]["n"] for event in request["context"]["events"]] == list("01234")
    pending = await redis.xpending(STREAM, settings.keys.trigger_group("orders", "landed"))
    assert pending["pending"] == 0


async def test_five_events_without_debounce_are_five_runs(settings: Settings, redis: Redis) -> None:
    def consuming() -> Checkpoint:
        return checkpoint_with(EventTrigger(name="landed", stream=STREAM), overlap="allow")

    async with (
        running(settings, redis, [consuming()], "scheduler-a"),
        running(settings, redis, [consuming()], "scheduler-b"),
    ):
        await asyncio.sleep(0.2)
        ids = [(await redis.xadd(STREAM, {"n": str(n)})).decode() for n in range(5)]

        async def five_jobs() -> bool:
            return len(await queued_job_ids(redis)) >= 5

        await wait_until(five_jobs)
        await settle()
    requests = await queued_requests(redis)
    assert sorted(request["context"]["event_ids"][0] for request in requests.values()) == ids
    assert sorted(requests) == sorted(f"orders:landed:{entry_id}" for entry_id in ids)
