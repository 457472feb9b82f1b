"""`StreamGroup` on the private real Redis: read, ack, re-read own pending after a restart,
claim stale entries, skip deleted ones, recreate a lost group, dead-letter."""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio import Redis

from shared.errors import ConfigError
from shared.stream_group import FROM_NOW, StreamGroup

STREAM = "test:stream"
GROUP = "archivers"


class RecordingDeadLetters:
    def __init__(self) -> None:
        self.letters: list[tuple[str, bytes, str, dict[str, str]]] = []

    async def dead_letter(self, reason: str, payload: bytes, *, source: str, **fields: str) -> str:
        self.letters.append((reason, payload, source, fields))
        return "1-0"


def group_of(redis: Redis, consumer: str = "a", **options: object) -> StreamGroup:
    return StreamGroup(redis, STREAM, GROUP, consumer, **options)  # type: ignore[arg-type]


async def add(redis: Redis, count: int) -> list[str]:
    return [(await redis.xadd(STREAM, {"n": str(n)})).decode() for n in range(count)]


async def pending(redis: Redis) -> int:
    return int((await redis.xpending(STREAM, GROUP))["pending"])


async def test_entries_stay_pending_until_acked(redis: Redis) -> None:
    group = group_of(redis)
    ids = await add(redis, 3)
    entries = await group.read()
    assert [entry.entry_id for entry in entries] == ids
    assert [entry.text_fields() for entry in entries] == [{"n": "0"}, {"n": "1"}, {"n": "2"}]
    assert await pending(redis) == 3
    assert await group.ack(ids[:2]) == 2
    assert await group.ack([]) == 0
    assert await pending(redis) == 1
    assert await group.read() == []  # delivered once: only a restart or a claim repeats it


async def test_a_restarted_consumer_gets_its_pending_entries_page_by_page(redis: Redis) -> None:
    ids = await add(redis, 5)
    await group_of(redis, count=10).read()  # read, then "crashed" before acknowledging
    again = group_of(redis, count=2)
    pages = [await again.read_pending() for _ in range(4)]
    assert [[entry.entry_id for entry in page] for page in pages] == [
        ids[0:2],
        ids[2:4],
        ids[4:5],
        [],
    ]
    assert again.caught_up
    again.rewind_pending()
    assert [entry.entry_id for entry in await again.read()] == ids[0:2]


async def test_stale_entries_of_another_consumer_are_claimed(redis: Redis) -> None:
    ids = await add(redis, 5)
    await group_of(redis, "dead").read()
    survivor = group_of(redis, "survivor", claim_idle_ms=50, count=2)
    assert await survivor.claim_stale() == []  # not idle long enough yet
    await asyncio.sleep(0.1)
    assert [entry.entry_id for entry in await survivor.claim_stale(limit=3)] == ids[:3]
    assert [entry.entry_id for entry in await survivor.claim_stale()] == ids[3:]
    consumers = await redis.xinfo_consumers(STREAM, GROUP)
    assert {c["name"].decode(): c["pending"] for c in consumers} == {"dead": 0, "survivor": 5}


async def test_entries_deleted_while_pending_are_acked_not_returned(redis: Redis) -> None:
    ids = await add(redis, 2)
    await group_of(redis).read()
    await redis.xdel(STREAM, ids[0])
    assert [entry.entry_id for entry in await group_of(redis).read_pending()] == ids[1:]
    assert await pending(redis) == 1


async def test_a_lost_group_is_created_again(redis: Redis) -> None:
    group = group_of(redis)
    await add(redis, 1)
    await group.read()
    await redis.delete(STREAM)
    assert await group.read() == []
    ids = await add(redis, 1)
    assert [entry.entry_id for entry in await group.read()] == ids


async def test_a_group_from_now_skips_older_entries(redis: Redis) -> None:
    await add(redis, 2)
    group = group_of(redis, start_id=FROM_NOW)
    await group.ensure()
    newer = await add(redis, 1)
    assert [entry.entry_id for entry in await group.read()] == newer


async def test_dead_letter_keeps_the_entry_with_its_reason_and_acks_it(redis: Redis) -> None:
    sink = RecordingDeadLetters()
    group = group_of(redis, dead_letters=sink, dead_letter_source="archive")
    (entry_id,) = await add(redis, 1)
    (entry,) = await group.read()
    await group.dead_letter(entry, "no result field")
    ((reason, payload, source, fields),) = sink.letters
    assert (reason, source, fields) == ("no result field", "archive", {"entry_id": entry_id})
    assert json.loads(payload) == {"n": "0"}
    assert await pending(redis) == 0


async def test_dead_letter_without_a_sink_is_a_config_error(redis: Redis) -> None:
    group = group_of(redis)
    await add(redis, 1)
    (entry,) = await group.read()
    with pytest.raises(ConfigError, match="no dead letters"):
        await group.dead_letter(entry, "bad")


async def test_read_hands_out_each_entry_once_across_recovery_and_new(redis: Redis) -> None:
    old = await add(redis, 5)
    await group_of(redis, count=10).read()  # delivered before the restart, never acked
    new = await add(redis, 3)
    again = group_of(redis, count=2)
    seen: list[str] = []
    for _ in range(8):  # without acknowledging: each entry must come exactly once
        seen.extend(entry.entry_id for entry in await again.read())
    assert seen == old + new


async def test_backlog_counts_undelivered_and_unacknowledged_entries(redis: Redis) -> None:
    group = group_of(redis, count=2)
    assert await group.backlog() == 0  # no stream yet
    await group.ensure()
    ids = await add(redis, 5)
    assert await group.backlog() == 5
    await group.read()  # two delivered, still pending
    assert await group.backlog() == 5
    await group.ack(ids[:2])
    assert await group.backlog() == 3
