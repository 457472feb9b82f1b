"""The dashboard application's shared state, by typed app key."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from producer.cli.dashboard.data import FleetView


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    """How one dashboard serves: where, and what it may do."""

    host: str = "127.0.0.1"
    port: int = 8484
    #: The token an action must carry; None keeps the dashboard read-only.
    token: str | None = None
    #: What the page says about the results store (which one, or why there is none).
    store_note: str = ""


VIEW: web.AppKey[FleetView] = web.AppKey("view", FleetView)
CONFIG: web.AppKey[DashboardConfig] = web.AppKey("config", DashboardConfig)
#: The open event streams' handler tasks, ended at shutdown.
STREAMS = web.AppKey("event_streams", set[asyncio.Task[Any]])
