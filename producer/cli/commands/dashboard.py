"""`checkfleet dashboard`: the fleet's web page, served by this process."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from producer.cli.commands.common import reported_errors, stderr
from producer.cli.dashboard.serve import serve
from producer.cli.dashboard.state import DashboardConfig
from shared.settings import Settings


def dashboard_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8484,
) -> None:
    """Serve the fleet's dashboard until Ctrl-C: checkpoint health, live results, runs,
    queue, workers, dead letters and figures over time.

    Reads the results store (CHECKFLEET_STORE_URL, or the embedded one `checkfleet run`
    writes) and, when CHECKFLEET_REDIS_URL is set, the fleet. Read-only unless
    CHECKFLEET_DASHBOARD_TOKEN is set: cancel, run again and requeue then ask for it.
    """
    with reported_errors():
        settings = Settings.from_env()
        config = DashboardConfig(host=host, port=port, token=settings.dashboard_token)
        mode = "actions need the token" if config.token else "read-only"

        def ready(address: str) -> None:
            stderr().print(f"dashboard at {address} ({mode}); Ctrl-C stops it", highlight=False)

        asyncio.run(serve(settings, config, ready))
