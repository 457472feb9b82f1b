"""The dashboard's actions: cancel a run, run it again, requeue a dead letter (``POST
/actions/...``). Off unless a token is configured (CHECKFLEET_DASHBOARD_TOKEN); each request
carries it as the form field ``token`` or an ``Authorization: Bearer`` header, compared in
constant time. The token doubles as the guard against cross-site forms: another site's page
cannot know it. A browser is sent back to the page it came from with what was done."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from redis.exceptions import RedisError

from producer.cli.dashboard.data import FleetView
from producer.cli.dashboard.state import CONFIG, VIEW
from producer.client.control import cancel_run, rerun
from producer.client.dead_letters import requeue_dead_letter
from shared.errors import CheckfleetError


def authorized(request: web.Request, form: dict[str, str]) -> None:
    """Raise 403 unless the request carries the configured token (404 when actions are off)."""
    token = request.app[CONFIG].token
    if token is None:
        raise web.HTTPNotFound(
            text="actions are off: start the dashboard with CHECKFLEET_DASHBOARD_TOKEN set\n"
        )
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    given = given or form.get("token", "")
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise web.HTTPForbidden(text="wrong or missing token\n")


async def _acting(request: web.Request) -> tuple[dict[str, str], FleetView, Any]:
    """The form of an authorized action, the view, and the fleet's Redis (409 without one)."""
    data = await request.post()
    form = {key: value for key, value in data.items() if isinstance(value, str)}
    authorized(request, form)
    view = request.app[VIEW]
    if view.redis is None:
        raise web.HTTPConflict(text="no fleet: CHECKFLEET_REDIS_URL is not set\n")
    return form, view, view.redis


def _back(path: str, message: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{path}?{urlencode({'done': message})}")


@contextmanager
def _refused(what: str) -> Iterator[None]:
    try:
        yield
    except (CheckfleetError, RedisError, OSError) as exc:
        raise web.HTTPBadRequest(text=f"cannot {what}: {exc}\n") from exc


async def cancel(request: web.Request) -> web.Response:
    form, view, redis = await _acting(request)
    run_id = form.get("run_id", "")
    with _refused("cancel"):
        outcome = await cancel_run(redis, view.settings, run_id)
    raise _back("/runs/" + quote(run_id, safe=""), outcome.describe())


async def run_again(request: web.Request) -> web.Response:
    form, view, redis = await _acting(request)
    original = await view.run(form.get("run_id", ""))
    if original is None:
        raise web.HTTPNotFound(text="no such run\n")
    with _refused("run again"):
        again = await rerun(redis, view.settings, original)
    raise _back(
        "/runs/" + quote(original.run_id, safe=""),
        f"enqueued run {again.run_id} of {original.checkpoint_name}",
    )


async def requeue(request: web.Request) -> web.Response:
    form, view, redis = await _acting(request)
    entry_id = form.get("entry_id", "")
    with _refused("requeue"):
        done = await requeue_dead_letter(redis, view.settings.keys, entry_id)
    raise _back("/dead", f"dead letter {entry_id}: {done}")
