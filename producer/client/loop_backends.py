"""The fleet backend that the seed's one-shot functions share, one per event loop.

`run_checkpoint_async` and `run_checkpoints_parallel` make a runner per call. With a backend
of its own each call would connect to Redis, start a reply reader and close both again, which
is more than half of a short run's latency. Calls on one event loop with the same settings
share one `RedisBackend` instead: its connection pool and its reply stream (the stream names
the backend's client id; the reader hands each result to the call waiting for its run id).

The backend closes with its loop: it is held by an async generator, and `asyncio.run` (like
every loop runner that calls ``loop.shutdown_asyncgens()``) finalizes the async generators of
a loop before closing it, which closes the connection and stops the reader inside that loop.
`close_loop_backends` closes them earlier, for a loop that lives on.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator

from producer.client.backends import RedisBackend
from shared.settings import Settings

#: Per loop, by settings: the shared backend and the async generator that closes it.
_held: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[Settings, tuple[RedisBackend, AsyncGenerator[None, None]]]
] = weakref.WeakKeyDictionary()


async def loop_redis_backend(settings: Settings) -> RedisBackend:
    """The running loop's shared backend for `settings` (made, not yet opened, on first use:
    it opens on the first submission)."""
    loop = asyncio.get_running_loop()
    backends = _held.setdefault(loop, {})
    held = backends.get(settings)
    if held is None:
        backend = RedisBackend(settings)
        closer = _close_with_the_loop(backend)
        await closer.__anext__()  # started: the loop now finalizes it at shutdown
        held = backends[settings] = (backend, closer)
    return held[0]


async def close_loop_backends() -> None:
    """Close the running loop's shared backends now (the next call makes new ones)."""
    backends = _held.pop(asyncio.get_running_loop(), {})
    for _, closer in backends.values():
        await closer.aclose()


async def _close_with_the_loop(backend: RedisBackend) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await backend.aclose()
