"""The one-shot functions share one fleet connection per event loop, closed with the loop."""

from __future__ import annotations

import asyncio
import threading

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection

from producer.async_runner import run_checkpoint_async, run_checkpoints_parallel
from producer.client.loop_backends import close_loop_backends
from shared.models import CheckpointStatus
from shared.settings import Settings
from tests.producer.conftest import CheckpointFactory


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every Redis connection this process opens from now on (the worker is another)."""
    opened: list[object] = []
    connect = AbstractConnection.connect

    async def counted(self: AbstractConnection) -> None:
        if not self.is_connected:
            opened.append(self)
        await connect(self)

    monkeypatch.setattr(AbstractConnection, "connect", counted)
    return opened


async def reply_readers(redis: Redis) -> int:
    """Connections blocked reading a stream: only clients' reply readers do (workers don't)."""
    return sum(client["cmd"] == "xread" for client in await redis.client_list())


@pytest.fixture
async def observer(redis_url: str, fleet_worker: object) -> Redis:
    """A client of its own that watches the server's connection counts."""
    async with Redis.from_url(redis_url) as redis:
        yield redis


async def test_calls_on_one_loop_share_one_connection_and_reply_stream(
    observer: Redis,
    connects: list[object],
    client_settings: Settings,
    make_checkpoint: CheckpointFactory,
) -> None:
    checkpoint = make_checkpoint()
    first = await run_checkpoint_async(checkpoint, backend="redis", settings=client_settings)
    opened = len(connects)
    assert opened <= 2  # the pool's connection and the reply reader's
    results = [
        await run_checkpoint_async(checkpoint, backend="redis", settings=client_settings)
        for _ in range(5)
    ]
    assert len(connects) == opened  # not one new connection
    results += await run_checkpoints_parallel(
        [checkpoint] * 3, backend="redis", settings=client_settings
    )
    # Three enqueues at once may each need a connection of the pool, once.
    assert len(connects) <= opened + 2
    assert {result.status for result in [first, *results]} == {CheckpointStatus.SUCCESS}
    assert len({result.run_id for result in [first, *results]}) == 9
    assert await reply_readers(observer) == 1
    await close_loop_backends()
    assert await reply_readers(observer) == 0


def test_the_shared_connection_closes_when_its_loop_ends(
    redis_url: str,
    fleet_worker: object,
    client_settings: Settings,
    make_checkpoint: CheckpointFactory,
) -> None:
    async def readers() -> int:
        async with Redis.from_url(redis_url) as redis:
            return await reply_readers(redis)

    async def one_run() -> CheckpointStatus:
        result = await run_checkpoint_async(
            make_checkpoint(), backend="redis", settings=client_settings
        )
        assert await readers() == 1  # still open after the call
        return result.status

    outcome: list[CheckpointStatus] = []
    # asyncio.run in a thread of its own: the test's own loop is not the one that ends.
    thread = threading.Thread(target=lambda: outcome.append(asyncio.run(one_run())))
    thread.start()
    thread.join(timeout=60)
    assert outcome == [CheckpointStatus.SUCCESS]
    assert asyncio.run(readers()) == 0
