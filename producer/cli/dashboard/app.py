"""The dashboard's aiohttp application: its routes, and serving it (`serve`).

Pages: ``/`` (fleet, health grid, latest results, live), ``/runs/<run id>``,
``/checkpoints/<name>``, ``/dead``; ``/events`` (server-sent results), ``/api/fleet`` (the
fleet's figures as JSON, which the page polls), ``/static/...``; ``POST /actions/...`` when a
token is configured (`controls`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from producer.cli.dashboard import controls, live, pages
from producer.cli.dashboard.data import FleetView
from producer.cli.dashboard.state import CONFIG, STREAMS, VIEW, DashboardConfig
from shared.errors import FleetUnavailable

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
#: Results the overview lists before live ones arrive.
RECENT_COUNT = 30
#: Runs a checkpoint page lists.
CHECKPOINT_RUNS = 50


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


async def overview(request: web.Request) -> web.Response:
    view, config = request.app[VIEW], request.app[CONFIG]
    problem = None
    try:
        stats = await view.fleet()
    except FleetUnavailable as exc:
        stats, problem = None, str(exc)
    page = pages.overview_page(
        stats,
        view.where,
        problem,
        await view.health(),
        await view.recent(RECENT_COUNT),
        config.store_note,
    )
    return _html(page)


async def run_page(request: web.Request) -> web.Response:
    view, config = request.app[VIEW], request.app[CONFIG]
    run_id = request.match_info["run_id"]
    try:
        result = await view.run(run_id)
    except FleetUnavailable as exc:
        return _html(pages.not_found_page(str(exc)), status=503)
    if result is None:
        return _html(pages.not_found_page(f"no run {run_id} in the store or on the fleet"), 404)
    controls_html = pages.controls(
        result, config.token is not None and view.redis is not None, request.query.get("done")
    )
    return _html(pages.run_page(result, controls_html))


async def checkpoint_page(request: web.Request) -> web.Response:
    view, config = request.app[VIEW], request.app[CONFIG]
    name = request.match_info["name"]
    runs = await view.recent(CHECKPOINT_RUNS, checkpoint=name)
    if not runs:
        return _html(pages.not_found_page(f"no run of checkpoint {name!r}"), status=404)
    page = pages.checkpoint_page(name, runs, await view.series(name), config.store_note)
    return _html(page)


async def dead_page(request: web.Request) -> web.Response:
    view, config = request.app[VIEW], request.app[CONFIG]
    problem = None if view.redis is not None else "no fleet: CHECKFLEET_REDIS_URL is not set"
    letters: list[Any] = []
    try:
        letters = await view.dead_letters()
    except FleetUnavailable as exc:
        problem = str(exc)
    enabled = config.token is not None and view.redis is not None
    page = pages.dead_page(letters, problem, enabled)
    if done := request.query.get("done"):
        page = page.replace("<h1>", f"{pages.notice(done, 'done')}<h1>", 1)
    return _html(page)


async def fleet_json(request: web.Request) -> web.Response:
    try:
        stats = await request.app[VIEW].fleet()
    except FleetUnavailable as exc:
        return web.json_response({"error": str(exc)}, status=503)
    return web.json_response(stats.to_dict() if stats is not None else None)


def build_app(view: FleetView, config: DashboardConfig) -> web.Application:
    """The application; `view` stays open for its lifetime (the caller closes it)."""
    app = web.Application()
    app[VIEW] = view
    app[CONFIG] = config
    app[STREAMS] = set()
    app.router.add_get("/", overview)
    app.router.add_get("/runs/{run_id:.+}", run_page)
    app.router.add_get("/checkpoints/{name:.+}", checkpoint_page)
    app.router.add_get("/dead", dead_page)
    app.router.add_get("/events", live.events)
    app.router.add_get("/api/fleet", fleet_json)
    app.router.add_post("/actions/cancel", controls.cancel)
    app.router.add_post("/actions/rerun", controls.run_again)
    app.router.add_post("/actions/requeue", controls.requeue)
    app.router.add_static("/static", STATIC_DIR)
    app.on_shutdown.append(live.close_streams)
    return app
