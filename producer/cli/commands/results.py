"""`checkfleet results`: read the fleet's results stream through the client API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import typer
from rich.text import Text

from producer.cli.commands.common import JsonOption, fail, reported_errors, stderr, stdout
from producer.cli.commands.redis_access import command_redis
from producer.cli.render import print_json, result_line
from producer.client.recent_results import ResultFilter, parse_when, recent_results
from producer.client.result_stream import (
    FROM_NOW,
    FROM_START,
    ResultEntry,
    ResultGroup,
    ResultStream,
)
from shared.models import CheckpointStatus
from shared.settings import Settings

#: Results shown without --count (and without --follow or --from).
DEFAULT_COUNT = 20
_ENTRY_ID = re.compile(r"\d+(-\d+)?")


def results_command(
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep showing results as they arrive.")
    ] = False,
    count: Annotated[
        int | None,
        typer.Option(
            "--count", "-n", min=1, help=f"How many (default {DEFAULT_COUNT}; with -f: stop after)."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only results since WHEN: 90m, 24h, 7d or a timestamp."),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status", "-s", help="Only this status [success|warning|failure|error] (repeatable)."
        ),
    ] = None,
    checkpoint: Annotated[
        str | None, typer.Option("--checkpoint", "-c", help="Only this checkpoint's results.")
    ] = None,
    from_id: Annotated[
        str | None,
        typer.Option("--from", help="Resume after this stream entry id (0 = the start)."),
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", help="Read as a consumer group (needs --consumer).")
    ] = None,
    consumer: Annotated[
        str | None, typer.Option("--consumer", help="This reader's name in --group.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show results from the results stream.

    By default the newest results, newest first (--count, --since, --status, --checkpoint
    filter them). With --from: the results after that entry id, oldest first. With --follow:
    new results as they arrive (after --from or --since when given), until Ctrl-C or
    --count. With --group/--consumer, each result goes to one consumer of the group and is
    acknowledged once shown; results a dead consumer left unacknowledged are taken over.
    """
    if (group is None) != (consumer is None):
        fail("--group and --consumer go together")
    if from_id is not None and not (from_id in ("0", "$") or _ENTRY_ID.fullmatch(from_id)):
        fail(
            f"--from wants a stream entry id like 1733040000000-0 (or 0 for the start), got "
            f"{from_id!r}; for a time, use --since (90m, 24h, 7d or a timestamp)"
        )
    statuses = tuple(status or ())
    known = [member.value for member in CheckpointStatus]
    for value in statuses:
        if value not in known:
            fail(f"--status {value!r} is not a status; one of {', '.join(known)}")
    try:
        moment = parse_when(since) if since is not None else None
    except ValueError as exc:
        fail(f"--since: {exc}")
    keep = ResultFilter(since=moment, statuses=statuses, checkpoint=checkpoint)
    with reported_errors():
        settings = Settings.from_env()
        try:
            shown = asyncio.run(
                show(settings, follow, from_id, group, consumer, count, keep, as_json)
            )
        except KeyboardInterrupt:
            return
    if not as_json and not follow:
        stderr().print(f"{shown} result(s)", highlight=False)


async def show(
    settings: Settings,
    follow: bool,
    from_id: str | None,
    group: str | None,
    consumer: str | None,
    count: int | None,
    keep: ResultFilter,
    as_json: bool,
) -> int:
    async with command_redis(settings) as redis:
        if not follow and from_id is None and group is None:
            entries = await recent_results(redis, settings.keys, count or DEFAULT_COUNT, keep)
            for entry in entries:
                show_entry(entry, as_json)
            return len(entries)
        if follow and not as_json:
            # a plain line, not a spinner: results printed below must not share its line
            stderr().print("following new results; Ctrl-C stops", style="dim", highlight=False)
        shown = 0
        start = from_id if from_id is not None else (keep.min_id if keep.since else None)
        async for entry, ack in read_entries(redis, settings, follow, start, group, consumer):
            if keep.keeps_entry(entry):
                show_entry(entry, as_json)
                shown += 1
            await ack()
            if count is not None and shown >= count:
                break
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
    if raw in ("0", ""):
        return FROM_START
    if raw == "-":
        return FROM_START
    return raw if "-" in raw or raw == "$" else f"{raw}-0"


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
