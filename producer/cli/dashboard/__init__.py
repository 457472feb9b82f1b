"""`checkfleet dashboard`: a web page for the fleet, served by the command's own process.

aiohttp.web serves server-rendered HTML (`pages`), one small vanilla script and a stylesheet
(`static/`, no build step, nothing from a CDN), the live results as server-sent events from the
results stream (`live`), and, when a token is configured, the actions that change something
(cancel, re-run: `controls`). What it shows comes from `FleetView` (`data`): the results store
(history, trends, figures) and, when the fleet's Redis answers, the results stream, queue,
workers and dead letters.
"""

from __future__ import annotations

from producer.cli.dashboard.app import build_app
from producer.cli.dashboard.state import DashboardConfig

__all__ = ["DashboardConfig", "build_app"]
