"""The process's shared aiohttp client session, one per event loop, and JSON posting.

A worker calls `open_http_session()` in ``on_startup`` and `close_http_session()` in
``on_shutdown``; when nobody opened one, the first HTTP action creates it lazily. Sessions are
kept per event loop because an aiohttp session must only be used from the loop it was made in
(the synchronous ``execute()`` of an action runs a private loop of its own). Every session
connects through `shared.trust.pinning`: while an inline spec runs, its requests reach only
addresses the hosts rule approved in the very lookup the connection uses (DNS pinning).
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from typing import Any

import aiohttp

from shared.trust.pinning import pinned_connector, request_options

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
    weakref.WeakKeyDictionary()
)
#: Bytes of a response body kept for messages.
BODY_EXCERPT_BYTES = 300


async def open_http_session(**session_options: Any) -> aiohttp.ClientSession:
    """The running loop's session, created now with `session_options` if there is none
    (without a `connector`, the pinning one)."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = _new_session(**session_options)
        _sessions[loop] = session
    return session


def _new_session(**session_options: Any) -> aiohttp.ClientSession:
    session_options.setdefault("connector", pinned_connector())
    return aiohttp.ClientSession(**session_options)


def has_http_session() -> bool:
    """Whether the running loop has an open session (so a caller knows if it made one)."""
    session = _sessions.get(asyncio.get_running_loop())
    return session is not None and not session.closed


def get_http_session() -> aiohttp.ClientSession:
    """The running loop's session, created lazily with default options."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = _new_session()
        _sessions[loop] = session
    return session


async def close_http_session() -> None:
    """Close the running loop's session, if any; safe to call twice."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None and not session.closed:
        await session.close()


@dataclass(frozen=True)
class HttpReply:
    """What an HTTP call answered: status, a short body excerpt and any ``Retry-After``."""

    status: int
    body: str
    retry_after_s: float | None

    @property
    def retryable(self) -> bool:
        """Server errors and rate limiting may pass; other client errors will not."""
        return self.status >= 500 or self.status == 429


def _retry_after_s(value: str | None) -> float | None:
    # Only the delta-seconds form; an HTTP date is rare from webhooks and is ignored.
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


async def send_json(
    url: str,
    payload: Any,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> HttpReply:
    """Send `payload` as JSON with the shared session; connection errors raise.

    Redirects are not followed: a listed host must not bounce a run's request (and its
    headers) to a host the policy would refuse (docs/security.md)."""
    session = get_http_session()
    async with session.request(
        method, url, json=payload, headers=headers, allow_redirects=False, **request_options(url)
    ) as resp:
        raw = await resp.content.read(BODY_EXCERPT_BYTES)
        return HttpReply(
            status=resp.status,
            body=raw.decode("utf-8", errors="replace"),
            retry_after_s=_retry_after_s(resp.headers.get("Retry-After")),
        )


def is_retryable_http_error(exc: Exception) -> bool:
    """Connection problems and timeouts may clear; a malformed URL stays malformed."""
    return not isinstance(exc, ValueError)  # aiohttp.InvalidURL is a ValueError
