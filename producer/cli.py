"""The `checkfleet` command line."""

from __future__ import annotations

import asyncio
import logging
import os

import typer

from shared import __version__
from shared.errors import ConfigError

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


@app.command()
def scheduler(
    poll_interval_s: float = typer.Option(
        0.5, "--poll-interval-s", min=0.01, help="Pause between evaluations of a trigger."
    ),
    claim_idle_s: float = typer.Option(
        60.0,
        "--claim-idle-s",
        min=0.1,
        help="Claim requests left pending this long by a scheduler that died.",
    ),
    requests: bool = typer.Option(
        True, "--requests/--no-requests", help="Serve the request stream checkfleet:requests."
    ),
    log_level: str = typer.Option("INFO", "--log-level", help="Python logging level."),
) -> None:
    """Run the scheduler: fire triggers and serve requests until SIGTERM or SIGINT."""
    from producer.logs import configure_logging
    from producer.process import fault_hook, serve
    from producer.scheduler import SchedulerOptions
    from shared.settings import Settings

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        typer.echo(f"checkfleet scheduler: {exc}", err=True)
        raise typer.Exit(code=2) from None
    if log_level.upper() not in logging.getLevelNamesMapping():
        typer.echo(f"checkfleet scheduler: unknown log level {log_level!r}", err=True)
        raise typer.Exit(code=2)
    configure_logging(log_level)
    options = SchedulerOptions(
        poll_interval_s=poll_interval_s, claim_idle_s=claim_idle_s, serve_requests=requests
    )
    try:
        hook = fault_hook(os.environ.get(TEST_FAULT_VARIABLE))
        asyncio.run(serve(settings, options, on_request_read=hook))
    except ConfigError as exc:
        typer.echo(f"checkfleet scheduler: {exc}", err=True)
        raise typer.Exit(code=2) from None


#: Test-only: names a fault the scheduler injects on itself (see `producer.process.fault_hook`).
TEST_FAULT_VARIABLE = "CHECKFLEET_TEST_FAULT"


def main() -> None:
    app()
