"""`checkfleet scheduler` (also ``python -m producer``): fire triggers and serve requests."""

from __future__ import annotations

import asyncio
import logging

import typer

from shared.errors import ConfigError
from shared.logs import configure_logging
from shared.settings import Settings


def scheduler_command(
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
    log_level: str | None = typer.Option(
        None, "--log-level", help="Python logging level (default: CHECKFLEET_LOG_LEVEL)."
    ),
) -> None:
    """Run the scheduler: fire triggers and serve requests until SIGTERM or SIGINT.

    Start-up errors (settings, definitions) exit with code 2.
    """
    # Imported here: the other commands need none of the scheduler's modules.
    from producer.scheduler.process import serve
    from producer.scheduler.scheduler import SchedulerOptions

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        typer.echo(f"checkfleet scheduler: {exc}", err=True)
        raise typer.Exit(code=2) from None
    if log_level is not None and log_level.upper() not in logging.getLevelNamesMapping():
        typer.echo(f"checkfleet scheduler: unknown log level {log_level!r}", err=True)
        raise typer.Exit(code=2)
    configure_logging(settings, level=log_level.upper() if log_level else None)
    options = SchedulerOptions(
        poll_interval_s=poll_interval_s, claim_idle_s=claim_idle_s, serve_requests=requests
    )
    try:
        asyncio.run(serve(settings, options))
    except ConfigError as exc:
        typer.echo(f"checkfleet scheduler: {exc}", err=True)
        raise typer.Exit(code=2) from None
