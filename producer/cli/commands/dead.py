"""`checkfleet dead`: the fleet's dead letters (list, show one, requeue one)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from producer.cli.commands.common import HELP_MARKUP, JsonOption, reported_errors, stderr, stdout
from producer.cli.commands.redis_access import command_redis
from producer.cli.render import print_json
from producer.client.dead_letters import (
    DEFAULT_COUNT,
    DeadLetter,
    get_dead_letter,
    list_dead_letters,
    requeue_dead_letter,
)
from shared.redis_connection import ONE_SHOT, connect_arq
from shared.settings import Settings

dead_app = typer.Typer(
    name="dead",
    help="Dead letters: messages that could not become a run (list, show, requeue).",
    no_args_is_help=False,
    invoke_without_command=True,
    rich_markup_mode=HELP_MARKUP,
)


@dead_app.callback()
def dead_callback(
    context: typer.Context,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many.")] = DEFAULT_COUNT,
    as_json: JsonOption = False,
) -> None:
    """Without a subcommand: the newest dead letters, newest first."""
    if context.invoked_subcommand is None:
        list_command(count, as_json)


@dead_app.command("list")
def list_command(
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many.")] = DEFAULT_COUNT,
    as_json: JsonOption = False,
) -> None:
    """The newest dead letters, newest first."""
    with reported_errors():
        settings = Settings.from_env()
        letters = asyncio.run(_list(settings, count))
    if as_json:
        print_json(stdout(), [letter.to_dict() for letter in letters])
        return
    if not letters:
        stderr().print("no dead letter", highlight=False)
        return
    table = Table(title=Text(f"dead letters on {settings.keys.dead}"))
    table.add_column("entry")
    table.add_column("source")
    table.add_column("reason", overflow="fold")
    for letter in letters:
        table.add_row(Text(letter.entry_id), Text(letter.source), Text(letter.reason))
    stdout().print(table)


@dead_app.command("show")
def show_command(
    entry_id: Annotated[str, typer.Argument(help="The dead letter's entry id.")],
    as_json: JsonOption = False,
) -> None:
    """One dead letter: its reason, where it came from, its payload."""
    with reported_errors():
        settings = Settings.from_env()
        letter = asyncio.run(_get(settings, entry_id))
    if as_json:
        print_json(stdout(), letter.to_dict())
        return
    console = stdout()
    for label, value in [
        ("entry", letter.entry_id),
        ("source", letter.source),
        *letter.extra.items(),
        ("reason", letter.reason),
        ("payload", letter.payload_text()),
    ]:
        console.print(Text.assemble((f"{label}: ", "bold"), value))


@dead_app.command("requeue")
def requeue_command(
    entry_id: Annotated[str, typer.Argument(help="The dead letter's entry id.")],
    as_json: JsonOption = False,
) -> None:
    """Put a dead letter back where it came from (the request stream, or the queue as a run
    request) and remove it; a message still bad is dead-lettered again, not run."""
    with reported_errors():
        settings = Settings.from_env()
        done = asyncio.run(_requeue(settings, entry_id))
    if as_json:
        print_json(stdout(), {"entry_id": entry_id, "requeued": done})
    else:
        stderr().print(Text(f"dead letter {entry_id}: {done}"))


async def _list(settings: Settings, count: int) -> list[DeadLetter]:
    async with command_redis(settings) as redis:
        return await list_dead_letters(redis, settings.keys, count)


async def _get(settings: Settings, entry_id: str) -> DeadLetter:
    async with command_redis(settings) as redis:
        return await get_dead_letter(redis, settings.keys, entry_id)


async def _requeue(settings: Settings, entry_id: str) -> str:
    redis = await connect_arq(settings, ONE_SHOT)  # fails fast, naming the URL
    try:
        return await requeue_dead_letter(redis, settings.keys, entry_id)
    finally:
        await redis.aclose()
