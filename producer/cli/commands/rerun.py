"""`checkfleet rerun RUN_ID`: run a finished run's checkpoint again, with the same context."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.text import Text

from producer.cli.commands.common import JsonOption, fail, reported_errors, stderr, stdout
from producer.cli.dashboard.serve import opened_view
from producer.cli.render import print_json
from producer.client.control import check_run_id, rerun
from shared.errors import RunControlError
from shared.job import RunRequest
from shared.models import CheckpointResult
from shared.settings import Settings


def rerun_command(
    run_id: Annotated[str, typer.Argument(help="The run id of the run to repeat.")],
    as_json: JsonOption = False,
) -> None:
    """Enqueue a new run of RUN_ID's checkpoint on the fleet at CHECKFLEET_REDIS_URL, with
    the same run context, under a fresh run id. The run is looked up in the results store,
    then in the fleet's per-run copy; the new result's provenance names it
    (origin `client:rerun-of:RUN_ID`). A run of an inline spec cannot be re-run: its result
    does not keep the spec.

    Exit code 0 when enqueued, 3 when it could not be (unknown run, inline spec, no Redis).
    """
    with reported_errors():
        check_run_id(run_id)
        settings = Settings.from_env()
        if not settings.redis_url_configured:
            fail("rerun needs the fleet: set CHECKFLEET_REDIS_URL")
        original, request = asyncio.run(_rerun(settings, run_id))
    if as_json:
        print_json(
            stdout(),
            {
                "run_id": request.run_id,
                "checkpoint": original.checkpoint_name,
                "rerun_of": original.run_id,
            },
        )
        return
    stderr().print(
        Text(
            f"enqueued: run {request.run_id} of {original.checkpoint_name},"
            f" a re-run of {original.run_id}"
        )
    )


async def _rerun(settings: Settings, run_id: str) -> tuple[CheckpointResult, RunRequest]:
    async with opened_view(settings) as (view, _note):
        original = await view.run(run_id)
        if original is None:
            raise RunControlError(
                f"no run {run_id} in the results store or the fleet's recent results"
            )
        assert view.redis is not None  # opened: CHECKFLEET_REDIS_URL is set
        return original, await rerun(view.redis, settings, original)
