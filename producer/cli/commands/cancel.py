"""`checkfleet cancel RUN_ID`: stop a queued or running run (arq's abort)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.text import Text

from producer.cli.commands.common import JsonOption, fail, reported_errors, stderr, stdout
from producer.cli.commands.redis_access import command_redis
from producer.cli.render import print_json, result_table
from producer.client.control import CancelOutcome, cancel_run, check_run_id
from shared import codec
from shared.models import CheckpointResult
from shared.settings import Settings

#: Exit code when there was nothing to cancel (finished already, or unknown).
EXIT_NOTHING_TO_CANCEL = 1


def cancel_command(
    run_id: Annotated[str, typer.Argument(help="The run id (the arq job id) to cancel.")],
    timeout_s: Annotated[
        float,
        typer.Option("--timeout", min=0.0, help="Wait this long for the cancelled result."),
    ] = 30.0,
    as_json: JsonOption = False,
) -> None:
    """Cancel a run of the fleet: a queued one is taken off the queue, a running one is
    aborted by its worker. Either way its result is an `error` saying it was cancelled.

    Exit code 0 when the run was cancelled, 1 when there was nothing to cancel (it finished
    already, or no such run is queued or running), 3 when it could not be done.
    """
    with reported_errors():
        check_run_id(run_id)
        settings = Settings.from_env()
        outcome, result = asyncio.run(_cancel(settings, run_id, timeout_s))
    if as_json:
        print_json(
            stdout(),
            {
                "run_id": run_id,
                "state": outcome.state,
                "result": result.to_dict() if result is not None else None,
            },
        )
    else:
        stderr().print(Text(outcome.describe()))
        if result is not None:
            stdout().print(result_table([result]))
    if outcome.state in ("finished", "unknown"):
        raise typer.Exit(EXIT_NOTHING_TO_CANCEL)
    if result is None and outcome.state == "aborting":
        fail(f"run {run_id}: no cancelled result within {timeout_s:g} s (is its worker alive?)")


async def _cancel(
    settings: Settings, run_id: str, timeout_s: float
) -> tuple[CancelOutcome, CheckpointResult | None]:
    async with command_redis(settings) as redis:
        outcome = await cancel_run(redis, settings, run_id)
        if outcome.result is not None or outcome.state != "aborting":
            return outcome, outcome.result
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            raw = await redis.get(settings.keys.run_result(run_id))
            if raw is not None:
                return outcome, codec.decode_result(raw)
            if loop.time() >= deadline:
                return outcome, None
            await asyncio.sleep(0.1)
