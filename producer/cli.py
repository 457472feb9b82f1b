"""The `checkfleet` command line."""

from __future__ import annotations

import typer

from shared import __version__

app = typer.Typer(
    name="checkfleet",
    help="A distributed runner for data-quality checkpoints.",
    no_args_is_help=True,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"checkfleet {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """A distributed runner for data-quality checkpoints."""


def main() -> None:
    app()
