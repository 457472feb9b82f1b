"""Server-sent events of new results: ``GET /events``.

Each new entry of the results stream is sent as ``event: result`` with the entry id as the
event id and a JSON summary as data (`entry_summary`). The stream is read with the client
API's `ResultStream` (no reader of our own); a browser that reconnects sends
``Last-Event-ID`` and resumes after it, so a dropped connection skips nothing. A comment line
every `KEEPALIVE_S` keeps proxies from closing an idle connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re

from aiohttp import web

from producer.cli.dashboard.data import FleetView, entry_summary
from producer.cli.dashboard.state import STREAMS, VIEW
from producer.client.result_stream import FROM_NOW, ResultEntry, ResultStream

KEEPALIVE_S = 15.0
#: What a browser should wait before reconnecting, in ms.
RETRY_MS = 2000
_ENTRY_ID = re.compile(r"\d+-\d+")


def _sse(event: str, data: object, event_id: str | None = None) -> bytes:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, default=str))
    return ("\n".join(lines) + "\n\n").encode()


async def events(request: web.Request) -> web.StreamResponse:
    view: FleetView = request.app[VIEW]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(f"retry: {RETRY_MS}\n\n".encode())
    if view.redis is None:
        await response.write(_sse("offline", {"reason": "CHECKFLEET_REDIS_URL is not set"}))
        return response
    resume = request.headers.get("Last-Event-ID", "")
    start = resume if _ENTRY_ID.fullmatch(resume) else FROM_NOW
    stream = ResultStream(view.redis, view.settings.keys, after_id=start, block_ms=1000)
    queue: asyncio.Queue[ResultEntry] = asyncio.Queue(maxsize=1000)

    async def pump() -> None:
        async for entry in stream.follow():
            await queue.put(entry)

    reader = asyncio.create_task(pump())
    streams = request.app[STREAMS]
    me = asyncio.current_task()
    if me is not None:
        streams.add(me)
    try:
        await response.write(_sse("ready", {"from": start}))
        while True:
            try:
                entry = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            await response.write(_sse("result", entry_summary(entry), entry.entry_id))
    except (ConnectionResetError, asyncio.CancelledError):
        pass  # the browser left, or the server is stopping
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        if me is not None:
            streams.discard(me)
    return response


async def close_streams(app: web.Application) -> None:
    """At shutdown: end every open event stream now rather than after aiohttp's timeout."""
    streams = app[STREAMS]
    for task in tuple(streams):
        task.cancel()
