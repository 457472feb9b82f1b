"""`checkfleet enqueue`: start a run on the fleet through the client API, optionally wait."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.text import Text

from producer.cli.commands.common import JsonOption, fail, reported_errors, stderr, stdout
from producer.cli.commands.redis_access import command_redis
from producer.cli.render import print_json, result_table, results_exit_code
from producer.client.backends import RedisBackend
from producer.client.control import check_run_id
from shared.checkpoint import new_run_id
from shared.models import CheckpointResult
from shared.settings import Settings


def parse_context(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` pairs; a value that reads as JSON (a number, true, a list) is taken as such."""
    context: dict[str, Any] = {}
    for pair in pairs:
        key, separator, raw = pair.partition("=")
        if not separator or not key:
            fail(f"--context wants key=value, got {pair!r}")
        try:
            context[key] = json.loads(raw)
        except ValueError:
            context[key] = raw
    return context


def enqueue_command(
    name: Annotated[str, typer.Argument(help="A checkpoint the workers know by name.")],
    context: Annotated[
        list[str] | None,
        typer.Option("--context", "-c", help="key=value handed to the run (repeatable)."),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Your id for the run (default: a new one).")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the result and show it.")] = False,
    timeout_s: Annotated[
        float, typer.Option("--timeout", min=0.1, help="With --wait: give up after this long.")
    ] = 300.0,
    as_json: JsonOption = False,
) -> None:
    """Enqueue a run of NAME on the fleet at CHECKFLEET_REDIS_URL.

    With --wait the exit code is the result's: 0 success, 1 warning, 2 failure (also when an
    action failed), 3 error.
    """
    values = parse_context(context or [])
    with reported_errors():
        if run_id is not None:
            check_run_id(run_id)
        settings = Settings.from_env()
        outcome = asyncio.run(
            submit(settings, name, run_id or new_run_id(), values, wait, timeout_s, as_json)
        )
    if isinstance(outcome, CheckpointResult):
        if as_json:
            print_json(stdout(), outcome.to_dict())
        else:
            stdout().print(result_table([outcome]))
        raise typer.Exit(results_exit_code([outcome]))


async def submit(
    settings: Settings,
    name: str,
    run_id: str,
    context: dict[str, Any],
    wait: bool,
    timeout_s: float,
    as_json: bool,
) -> CheckpointResult | None:
    async with command_redis(settings):  # fails fast, naming the URL, when Redis is away
        pass
    backend = RedisBackend(settings)
    try:
        ticket = await backend.submit(name, run_id=run_id, context=context)
        if ticket.settled is None:
            note = "already enqueued before: not started again" if ticket.duplicate else "enqueued"
            if as_json and not wait:
                print_json(
                    stdout(), {"run_id": run_id, "checkpoint": name, "duplicate": ticket.duplicate}
                )
            elif not as_json:
                stderr().print(Text(f"{note}: run {run_id} of {name}"))
        if not wait:
            return None
        with stderr().status(Text(f"waiting for run {run_id} of {name}...")):
            try:
                async with asyncio.timeout(timeout_s):
                    return await backend.wait(ticket)
            except TimeoutError:
                fail(f"no result for run {run_id} within {timeout_s:g} s (it may still run)")
    finally:
        await backend.aclose()
