"""`checkfleet init`: write the example project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from producer.cli.commands.common import JsonOption, reported_errors, stdout
from producer.cli.example import EXAMPLE_STATUSES, write_example
from producer.cli.render import print_json


def init_command(
    directory: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("."),
    interval_s: Annotated[
        float, typer.Option("--interval", min=0.1, help="Schedule of each checkpoint, seconds.")
    ] = 5.0,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write an example checkpoints.yaml and sample data: one checkpoint per status."""
    with reported_errors():
        files = write_example(directory, interval_s=interval_s, force=force)
    if as_json:
        print_json(
            stdout(),
            {"config": str(files.config), "data_files": [str(path) for path in files.data_files]},
        )
        return
    console = stdout()
    console.print(Text(f"wrote {files.config}"))
    for path in files.data_files:
        console.print(Text(f"wrote {path}"))
    expected = ", ".join(f"{name} ({status})" for name, status in EXAMPLE_STATUSES.items())
    console.print(Text(f"checkpoints: {expected}"))
    console.print(Text.assemble("next: ", (f"checkfleet run {files.config}", "bold")))
