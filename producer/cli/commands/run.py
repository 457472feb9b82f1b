"""`checkfleet run` and `checkfleet validate`: definition files, in-process, no Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from producer.cli.commands.common import JsonOption, fail, reported_errors, stderr, stdout
from producer.cli.render import EXIT_ERROR, print_json, result_table, results_exit_code
from producer.cli.run_progress import RunProgress
from shared.checkpoint import Checkpoint, new_run_id
from shared.definitions import load_checkpoints
from shared.errors import SpecError, UnknownCheckpointError
from shared.execution import CheckpointExecutor
from shared.models import CheckpointResult
from shared.plugins import import_plugins
from shared.problems import problems_of
from shared.settings import Settings
from shared.store import store_url_of

#: Seconds between updates of the live progress line of a long run.
PROGRESS_INTERVAL_S = 0.5

ConfigArgument = Annotated[
    Path, typer.Argument(help="A checkpoint definition file (.yaml, .yml or .json).")
]


def run_command(
    config: ConfigArgument,
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Checkpoints to run [all of them when none is named]."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run checkpoints in this process and show their results; each run is recorded in the
    results store (CHECKFLEET_STORE_URL, by default .checkfleet/history.db).

    Exit code: 0 success, 1 warning, 2 failure, 3 error (the worst of the runs); a run whose
    action failed or errored counts at least as a failure (2).
    """
    with reported_errors():
        settings = Settings.from_env()
        import_plugins(settings.plugins)
        checkpoints = select(load_checkpoints(str(config)), names or [])
    store_url = store_url_of(settings)
    if as_json:
        results = asyncio.run(run_all(checkpoints, store_url=store_url))
    else:
        stderr().print(Text(f"running {len(checkpoints)} checkpoint(s) from {config}"))
        results = asyncio.run(run_with_progress(checkpoints, store_url=store_url))
    if as_json:
        print_json(stdout(), [result.to_dict() for result in results])
    else:
        stdout().print(result_table(results))
    raise typer.Exit(results_exit_code(results))


def select(checkpoints: Sequence[Checkpoint], names: Sequence[str]) -> list[Checkpoint]:
    """The checkpoints named, in the order named; all when no name is given."""
    if not names:
        return list(checkpoints)
    by_name = {checkpoint.name: checkpoint for checkpoint in checkpoints}
    for name in names:
        if name not in by_name:
            raise UnknownCheckpointError(name, by_name)
    return [by_name[name] for name in names]


async def run_all(
    checkpoints: Sequence[Checkpoint],
    on_done: Callable[[CheckpointResult], None] | None = None,
    *,
    store_url: str | None = None,
) -> list[CheckpointResult]:
    """Every checkpoint run concurrently, through one executor (which closes the HTTP session
    its actions opened on this loop); `on_done` hears of each result as it comes. Each run is
    recorded in the results store at `store_url` (None: no history)."""
    async with CheckpointExecutor(store_url=store_url, record_runs=True) as executor:

        async def one(checkpoint: Checkpoint) -> CheckpointResult:
            result = await executor.execute(checkpoint, run_id=new_run_id())
            if on_done is not None:
                on_done(result)
            return result

        return list(await asyncio.gather(*(one(cp) for cp in checkpoints)))


async def run_with_progress(
    checkpoints: Sequence[Checkpoint], *, store_url: str | None = None
) -> list[CheckpointResult]:
    """`run_all` with progress on stderr: a line per finished checkpoint (rows read, time,
    status) and, on a terminal only, a live line (`RunProgress`: runs done, bytes read of the
    data's size, time elapsed, the runs still going), cleared when the runs end, before the
    results are shown. Its ticker only reads procfs and sleeps: the validation runs in the
    executor's threads meanwhile."""
    console = stderr()
    progress = RunProgress.start(checkpoints)

    def finished(result: CheckpointResult) -> None:
        progress.done(result)
        console.print(
            Text(
                f"  {result.checkpoint_name}: {result.row_count:,} rows read in "
                f"{result.duration_ms / 1000:.2f} s, {result.status.value}"
            )
        )

    if not console.is_terminal:  # piped or redirected: the finished lines only
        return await run_all(checkpoints, finished, store_url=store_url)
    # the spinner and its space take two cells of the line
    with console.status(progress.line(console.width - 2)) as status:

        async def tick() -> None:
            while True:
                await asyncio.sleep(PROGRESS_INTERVAL_S)
                status.update(progress.line(console.width - 2))

        ticker = asyncio.create_task(tick())
        try:
            return await run_all(checkpoints, finished, store_url=store_url)
        finally:
            ticker.cancel()


def validate_command(config: ConfigArgument, as_json: JsonOption = False) -> None:
    """Check a definition file without reading any data. Exit code 0 when valid, 3 if not."""
    with reported_errors():
        import_plugins(Settings.from_env().plugins)
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
    stdout().print(
        Text.assemble(
            ("valid: ", "green"), f"{config}: {len(names)} checkpoint(s): {', '.join(names)}"
        )
    )
