"""`checkfleet results`: read the fleet's results stream through the client API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import typer
from rich.text import Text

from producer.cli.commands.common import JsonOption, fail, reported_errors, stderr, stdout
from producer.cli.commands.redis_access import command_redis
from producer.cli.render import print_json, result_line
from producer.client.result_stream import (
    FROM_NOW,
    FROM_START,
    ResultEntry,
    ResultGroup,
    ResultStream,
)
from shared.settings import Settings


def results_command(
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep showing results as they arrive.")
    ] = False,
    from_id: Annotated[
        str | None,
        typer.Option("--from", help="Start after this entry id (0 = the start of the stream)."),
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", help="Read as a consumer group (needs --consumer).")
    ] = None,
    consumer: Annotated[
        str | None, typer.Option("--consumer", help="This reader's name in --group.")
    ] = None,
    count: Annotated[
        int | None, typer.Option("--count", "-n", min=1, help="Stop after this many results.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show results from the results stream.

    Without --follow: the results after --from (default: the whole stream), then exit. With
    --follow: also every new one (from now, unless --from), until Ctrl-C or --count. With
    --group/--consumer, each result goes to one consumer of the group and is acknowledged once
    shown; results a dead consumer left unacknowledged are taken over.
    """
    if (group is None) != (consumer is None):
        fail("--group and --consumer go together")
    with reported_errors():
        settings = Settings.from_env()
        try:
            shown = asyncio.run(show(settings, follow, from_id, group, consumer, count, as_json))
        except KeyboardInterrupt:
            return
    if not as_json and not follow:
        stderr().print(f"{shown} result(s)")


async def show(
    settings: Settings,
    follow: bool,
    from_id: str | None,
    group: str | None,
    consumer: str | None,
    count: int | None,
    as_json: bool,
) -> int:
    shown = 0
    async with command_redis(settings) as redis:
        entries = read_entries(redis, settings, follow, from_id, group, consumer)
        waiting = stderr().status("waiting for results...") if follow and not as_json else None
        if waiting is not None:
            waiting.start()
        try:
            async for entry, ack in entries:
                show_entry(entry, as_json)
                await ack()
                shown += 1
                if count is not None and shown >= count:
                    break
        finally:
            if waiting is not None:
                waiting.stop()
    return shown


async def read_entries(
    redis: Any,
    settings: Settings,
    follow: bool,
    from_id: str | None,
    group: str | None,
    consumer: str | None,
) -> AsyncIterator[tuple[ResultEntry, Any]]:
    """Entries with an ``ack`` coroutine function (a no-op outside a group)."""

    async def no_ack() -> None:
        return None

    if group is not None and consumer is not None:
        start = _stream_id(from_id) if from_id is not None else FROM_START
        reader = ResultGroup(
            redis, group, consumer, settings.keys, start_id=start, block_ms=1000 if follow else 1
        )
        if follow:
            async for entry in reader.consume():
                yield entry, _acker(reader, entry)
            return
        await reader.ensure_group()
        for entry in await reader.reclaim():
            yield entry, _acker(reader, entry)
        while batch := await reader.read():
            for entry in batch:
                yield entry, _acker(reader, entry)
        return
    start = _stream_id(from_id) if from_id is not None else (FROM_NOW if follow else FROM_START)
    stream = ResultStream(redis, settings.keys, after_id=start, block_ms=1 if not follow else 1000)
    if follow:
        async for entry in stream.follow():
            yield entry, no_ack
        return
    while batch := await stream.read():
        for entry in batch:
            yield entry, no_ack


def _acker(reader: ResultGroup, entry: ResultEntry) -> Any:
    async def ack() -> None:
        await reader.ack(entry.entry_id)

    return ack


def _stream_id(raw: str) -> str:
    return FROM_START if raw in ("0", "") else raw


def show_entry(entry: ResultEntry, as_json: bool) -> None:
    if as_json:
        print_json(
            stdout(),
            {
                "entry_id": entry.entry_id,
                "run_id": entry.run_id,
                "checkpoint": entry.checkpoint,
                "status": entry.status,
                "result": entry.result.to_dict() if entry.result is not None else None,
                "error": entry.error,
            },
        )
    elif entry.result is not None:
        stdout().print(result_line(entry.result, entry.entry_id))
    else:
        stdout().print(
            Text(f"{entry.entry_id} {entry.checkpoint} {entry.status}: unreadable: {entry.error}")
        )
