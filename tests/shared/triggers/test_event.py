"""EventTrigger against the private real Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from shared.async_base import TriggerResult
from shared.errors import BackendUnavailableError, ConfigError
from shared.keys import Keys
from shared.triggers import EventTrigger
from tests.support.redis_server import RedisServer, free_port

STREAM = "orders:landed"


def make_trigger(
    redis: Redis, consumer: str = "scheduler-a", checkpoint: str = "orders", **fields: object
) -> EventTrigger:
    return EventTrigger(stream=STREAM, **fields).bind(
        redis=redis, keys=Keys(), consumer=consumer, checkpoint=checkpoint
    )


async def add(redis: Redis, **fields: str) -> str:
    entry_id = await redis.xadd(STREAM, fields)  # type: ignore[arg-type]
    return entry_id.decode()


async def pending(redis: Redis, trigger: EventTrigger) -> int:
    summary = await redis.xpending(STREAM, trigger.group)
    return int(summary["pending"])


async def drain(trigger: EventTrigger, *, timeout_s: float = 5.0) -> list[TriggerResult]:
    """Evaluate until nothing more fires for a little while; return the firings."""
    fired: list[TriggerResult] = []
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - quiet_since < 0.5:
        result = await trigger.should_trigger_async()
        if result.should_run:
            fired.append(result)
            quiet_since = time.monotonic()
        else:
            await asyncio.sleep(0.02)
    return fired


async def test_a_matching_entry_fires_and_is_acknowledged_after_handling(redis: Redis) -> None:
    trigger = make_trigger(redis, filters={"table": ["orders", "refunds"]})
    await trigger.start_async()
    first = await add(redis, table="orders", rows="10")
    await add(redis, table="customers")  # filtered out
    result = await trigger.should_trigger_async()
    assert result.should_run
    assert result.fire_id == first
    assert result.context == {
        "stream": STREAM,
        "event_ids": [first],
        "events": [{"id": first, "fields": {"table": "orders", "rows": "10"}}],
    }
    assert result.fire_time is not None
    # The filtered entry is acknowledged at once; the fired one only after handling.
    assert await pending(redis, trigger) == 1
    await trigger.acknowledge_async(result)
    assert await pending(redis, trigger) == 0
    assert not (await trigger.should_trigger_async()).should_run


async def test_the_group_comes_from_keys_and_is_per_checkpoint(redis: Redis) -> None:
    trigger = make_trigger(redis, checkpoint="orders", name="landing")
    assert trigger.group == "checkfleet:trigger:orders:landing"
    other = make_trigger(redis, checkpoint="audit", name="landing")
    for each in (trigger, other):
        await each.start_async()
    entry = await add(redis, table="orders")
    # Two checkpoints watching one stream each get the event.
    assert (await trigger.should_trigger_async()).fire_id == entry
    assert (await other.should_trigger_async()).fire_id == entry


async def test_burst_without_debounce_fires_each_event(redis: Redis) -> None:
    trigger = make_trigger(redis)
    await trigger.start_async()
    ids = [await add(redis, n=str(n)) for n in range(5)]
    fired = await drain(trigger)
    assert [result.fire_id for result in fired] == ids
    for result in fired:
        await trigger.acknowledge_async(result)
    assert await pending(redis, trigger) == 0


async def test_burst_with_debounce_fires_once_with_every_event(redis: Redis) -> None:
    trigger = make_trigger(redis, debounce_s=0.3)
    await trigger.start_async()
    ids = []
    for n in range(5):
        ids.append(await add(redis, n=str(n)))
        assert not (await trigger.should_trigger_async()).should_run  # still bursting
        await asyncio.sleep(0.05)
    fired = await drain(trigger)
    assert len(fired) == 1
    context = fired[0].context
    assert context["event_ids"] == ids
    assert [event["fields"] for event in context["events"]] == [{"n": str(n)} for n in range(5)]
    assert fired[0].fire_id == f"{ids[0]}..{ids[-1]}+5"
    await trigger.acknowledge_async(fired[0])
    assert await pending(redis, trigger) == 0


async def test_debounce_waits_for_quiet(redis: Redis) -> None:
    trigger = make_trigger(redis, debounce_s=0.4)
    await trigger.start_async()
    await add(redis, n="1")
    started = time.monotonic()
    fired = await drain(trigger)
    waited_s = time.monotonic() - started
    assert len(fired) == 1
    assert waited_s >= 0.4


async def test_schedulers_share_the_events(redis: Redis) -> None:
    """Two schedulers on one group: every event fires exactly once across both."""
    one, two = make_trigger(redis, "scheduler-a"), make_trigger(redis, "scheduler-b")
    await one.start_async()
    await two.start_async()
    ids = [await add(redis, n=str(n)) for n in range(10)]
    fired_ids: list[str] = []
    for _ in range(40):
        for trigger in (one, two):
            result = await trigger.should_trigger_async()
            if result.should_run:
                assert result.fire_id is not None
                fired_ids.append(result.fire_id)
                await trigger.acknowledge_async(result)
    assert sorted(fired_ids) == sorted(ids)


async def test_a_dead_schedulers_events_are_claimed_by_another(redis: Redis) -> None:
    dead = make_trigger(redis, "scheduler-dead", claim_idle_s=0.3)
    await dead.start_async()
    entry = await add(redis, table="orders")
    assert (await dead.should_trigger_async()).fire_id == entry
    # ...and the process dies before the run is enqueued: no acknowledge.
    alive = make_trigger(redis, "scheduler-alive", claim_idle_s=0.3)
    await alive.start_async()
    assert not (await alive.should_trigger_async()).should_run  # not idle long enough yet
    await asyncio.sleep(0.4)
    result = await alive.should_trigger_async()
    assert result.should_run
    assert result.fire_id == entry  # same identity: the deterministic job id dedups it
    await alive.acknowledge_async(result)
    assert await pending(redis, alive) == 0


async def test_a_restarted_scheduler_rereads_its_own_pending_entries(redis: Redis) -> None:
    before = make_trigger(redis, "scheduler-a", debounce_s=0.1)
    await before.start_async()
    ids = [await add(redis, n=str(n)) for n in range(3)]
    assert not (await before.should_trigger_async()).should_run  # read, still debouncing
    # The process dies; the same consumer comes back with an empty memory.
    after = make_trigger(redis, "scheduler-a", debounce_s=0.1)
    await after.start_async()
    fired = await drain(after)
    assert len(fired) == 1
    assert fired[0].context["event_ids"] == ids


async def test_many_own_pending_entries_are_all_reread(redis: Redis) -> None:
    before = make_trigger(redis, "scheduler-a", batch_size=2)
    await before.start_async()
    ids = [await add(redis, n=str(n)) for n in range(5)]
    for _ in range(3):  # reads (and holds, unacknowledged) entries 2 at a time
        await before.should_trigger_async()
    after = make_trigger(redis, "scheduler-a", batch_size=2)
    await after.start_async()
    fired = await drain(after)
    assert sorted(result.fire_id for result in fired) == ids  # type: ignore[type-var]


async def test_a_continuous_stream_still_fires_within_half_the_claim_time(redis: Redis) -> None:
    trigger = make_trigger(redis, debounce_s=0.2, claim_idle_s=1.0)
    await trigger.start_async()
    started = time.monotonic()
    fired: list[TriggerResult] = []
    while not fired and time.monotonic() - started < 3:
        await add(redis, n="x")  # never quiet for debounce_s
        result = await trigger.should_trigger_async()
        if result.should_run:
            fired.append(result)
        await asyncio.sleep(0.05)
    assert fired, "a never-quiet stream must not hold its events forever"
    assert 0.5 <= time.monotonic() - started < 2.5  # held at most claim_idle_s / 2 (+ slack)
    assert len(fired[0].context["event_ids"]) > 3


async def test_unacknowledged_firing_is_delivered_again(redis: Redis) -> None:
    trigger = make_trigger(redis, claim_idle_s=0.3)
    await trigger.start_async()
    entry = await add(redis, n="1")
    assert (await trigger.should_trigger_async()).fire_id == entry
    # The enqueue failed, so the driver never acknowledged: the entry comes back.
    await asyncio.sleep(0.4)
    assert (await trigger.should_trigger_async()).fire_id == entry


async def test_the_group_starts_at_new_entries_unless_asked(redis: Redis) -> None:
    old = await add(redis, n="old")
    trigger = make_trigger(redis)
    await trigger.start_async()
    assert not (await trigger.should_trigger_async()).should_run
    everything = make_trigger(redis, checkpoint="backfill", start_from="all")
    await everything.start_async()
    assert (await everything.should_trigger_async()).fire_id == old


async def test_a_deleted_stream_is_recreated(redis: Redis) -> None:
    trigger = make_trigger(redis)
    await trigger.start_async()
    await redis.delete(STREAM)
    assert not (await trigger.should_trigger_async()).should_run
    entry = await add(redis, n="1")
    assert (await trigger.should_trigger_async()).fire_id == entry


async def test_a_stream_name_holding_something_else_is_a_config_error(redis: Redis) -> None:
    await redis.set(STREAM, "not a stream")
    with pytest.raises(ConfigError, match=rf"stream '{STREAM}': WRONGTYPE"):
        await make_trigger(redis).should_trigger_async()


async def test_survives_a_redis_restart(redis: Redis, redis_server: RedisServer) -> None:
    trigger = make_trigger(redis)
    await trigger.start_async()
    redis_server.stop()
    with pytest.raises(BackendUnavailableError):
        await trigger.should_trigger_async()
    redis_server.start()  # empty again: the group is gone and is recreated
    assert not (await trigger.should_trigger_async()).should_run
    entry = await add(redis, n="1")
    assert (await trigger.should_trigger_async()).fire_id == entry


async def test_unbound_trigger_is_a_config_error() -> None:
    trigger = EventTrigger(stream=STREAM)
    with pytest.raises(ConfigError, match="bind"):
        await trigger.should_trigger_async()


async def test_unreachable_redis_is_a_transient_error() -> None:
    client = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    trigger = EventTrigger(stream=STREAM).bind(redis=client)
    with pytest.raises(BackendUnavailableError, match="Redis unavailable"):
        await trigger.should_trigger_async()
    await client.aclose()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "stream: Field required"),
        ({"stream": ""}, "stream: "),
        ({"stream": "s", "debounce_s": 40}, "debounce_s must be below half of claim_idle_s"),
        ({"stream": "s", "start_from": "beginning"}, "start_from: "),
        ({"stream": "s", "filters": {"a": 1}}, "filters"),
    ],
)
def test_bad_config_names_the_problem(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=rf"^event: .*{message}"):
        EventTrigger(**fields)
