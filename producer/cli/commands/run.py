"""`checkfleet run` and `checkfleet validate`: definition files, in-process, no Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated

import typer

from producer.cli.commands.common import JsonOption, fail, reported_errors, stderr, stdout
from producer.cli.render import EXIT_ERROR, exit_code, print_json, result_table
from shared.async_base import AsyncExecutionContext
from shared.catalog import UnknownCheckpointError
from shared.checkpoint import Checkpoint, new_run_id
from shared.definitions import load_checkpoints
from shared.errors import SpecError
from shared.execution import CheckpointExecutor
from shared.models import CheckpointResult
from shared.problems import problems_of

ConfigArgument = Annotated[
    Path, typer.Argument(help="A checkpoint definition file (.yaml, .yml or .json).")
]


def run_command(
    config: ConfigArgument,
    names: Annotated[
        list[str] | None, typer.Argument(help="Checkpoints to run (default: all of them).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run checkpoints in this process and show their results.

    Exit code: 0 success, 1 warning, 2 failure, 3 error (the worst of the runs).
    """
    with reported_errors():
        checkpoints = select(load_checkpoints(str(config)), names or [])
    if not as_json:
        stderr().print(f"running {len(checkpoints)} checkpoint(s) from {config}", highlight=False)
    results = asyncio.run(run_all(checkpoints))
    if as_json:
        print_json(stdout(), [result.to_dict() for result in results])
    else:
        stdout().print(result_table(results))
    raise typer.Exit(exit_code(result.status for result in results))


def select(checkpoints: Sequence[Checkpoint], names: Sequence[str]) -> list[Checkpoint]:
    """The checkpoints named, in the order named; all when no name is given."""
    if not names:
        return list(checkpoints)
    by_name = {checkpoint.name: checkpoint for checkpoint in checkpoints}
    for name in names:
        if name not in by_name:
            raise UnknownCheckpointError(name, by_name)
    return [by_name[name] for name in names]


async def run_all(checkpoints: Sequence[Checkpoint]) -> list[CheckpointResult]:
    """Every checkpoint run concurrently, with one thread pool and one action context."""
    with ThreadPoolExecutor(4, thread_name_prefix="checkfleet-run") as pool:
        async with AsyncExecutionContext() as context:
            executor = CheckpointExecutor(thread_pool=pool, action_context=context)
            return list(
                await asyncio.gather(
                    *(executor.execute(cp, run_id=new_run_id()) for cp in checkpoints)
                )
            )


def validate_command(config: ConfigArgument, as_json: JsonOption = False) -> None:
    """Check a definition file without reading any data. Exit code 0 when valid, 3 if not."""
    try:
        checkpoints = load_checkpoints(str(config))
    except SpecError as exc:
        problems = [str(problem) for problem in problems_of(exc)]
        if as_json:
            print_json(stdout(), {"valid": False, "problems": problems, "checkpoints": []})
            raise typer.Exit(EXIT_ERROR) from None
        fail(f"{config} is not valid, {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    names = [checkpoint.name for checkpoint in checkpoints]
    if as_json:
        print_json(stdout(), {"valid": True, "problems": [], "checkpoints": names})
        return
    stdout().print(f"[green]valid:[/] {config}: {len(names)} checkpoint(s): {', '.join(names)}")
