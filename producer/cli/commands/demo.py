"""`checkfleet demo` (what `make demo` runs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from producer.cli.commands.common import stdout


def demo_command(
    duration_s: Annotated[
        float, typer.Option("--duration", min=1.0, help="Seconds of results to show.")
    ] = 20.0,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the sample data and logs go.")
    ] = Path("demo-data"),
) -> None:
    """Start a small fleet (Redis if needed, two workers, a scheduler) on the example
    checkpoints, show results live, then stop everything. Exit code 1 if a status was
    never shown."""
    from producer.cli.demo import run_demo  # only this command needs it

    url = os.environ.get("CHECKFLEET_REDIS_URL") or None
    raise typer.Exit(run_demo(duration_s, directory.resolve(), stdout(), url))
