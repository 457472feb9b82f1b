"""Serving the dashboard: open the store and the fleet, run aiohttp until SIGINT/SIGTERM.

The results store is the one CHECKFLEET_STORE_URL names, else the embedded one that
``checkfleet run`` writes (``.checkfleet/history.db`` under the working directory) when that
file exists. The fleet is the Redis of CHECKFLEET_REDIS_URL, only when it is set; one that does
not answer at start-up is a clear error (`BackendUnavailableError`), not a page of failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from aiohttp import web

from producer.cli.dashboard.app import build_app
from producer.cli.dashboard.data import FleetView
from producer.cli.dashboard.state import DashboardConfig
from shared.errors import ConfigError
from shared.redis_connection import ONE_SHOT, connect_arq
from shared.redis_url import redacted
from shared.settings import Settings
from shared.store import DEFAULT_STORE_PATH, ResultStore, default_store_url, open_store

logger = logging.getLogger(__name__)


def store_url_of(settings: Settings, working_dir: Path | None = None) -> tuple[str | None, str]:
    """The store to read (None for none) and what the page says about it."""
    if settings.store_url:
        return settings.store_url, f"results store: {redacted(settings.store_url)}"
    embedded = (working_dir or Path.cwd()) / DEFAULT_STORE_PATH
    if embedded.is_file():
        return default_store_url(working_dir), f"results store: the embedded one at {embedded}"
    return None, (
        "no results store: history and figures need CHECKFLEET_STORE_URL, or the embedded "
        f"store that `checkfleet run` writes to {DEFAULT_STORE_PATH} here"
    )


@asynccontextmanager
async def opened_view(settings: Settings) -> AsyncIterator[tuple[FleetView, str]]:
    """The view over the store and the fleet, open for the block; and the store's note."""
    async with AsyncExitStack() as stack:
        url, note = store_url_of(settings)
        store: ResultStore | None = None
        if url is not None:
            try:
                store = await stack.enter_async_context(open_store(url))
            except Exception as exc:  # any driver's error: one line naming the store
                raise ConfigError(f"cannot open the results store {redacted(url)}: {exc}") from exc
        redis = None
        if settings.redis_url_configured:
            # BackendUnavailableError naming the URL when Redis is away, RedisAccessError
            # when it refuses the password or the certificate
            redis = await connect_arq(settings, ONE_SHOT)
            stack.push_async_callback(redis.aclose)
        yield FleetView(settings, redis, store), note


async def serve(
    settings: Settings, config: DashboardConfig, on_ready: Callable[[str], None]
) -> None:
    """Serve until SIGINT or SIGTERM; `on_ready` gets the address once it listens."""
    async with opened_view(settings) as (view, note):
        app = build_app(view, DashboardConfig(config.host, config.port, config.token, note))
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, config.host, config.port)
            try:
                await site.start()
            except OSError as exc:
                raise ConfigError(
                    f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}"
                ) from exc
            on_ready(f"http://{config.host}:{config.port}/")
            await _until_stopped()
        finally:
            await runner.cleanup()


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)
