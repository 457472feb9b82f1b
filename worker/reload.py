"""Reloading a worker's checkpoint definitions without a restart: on SIGHUP, and when the
definitions file (CHECKFLEET_CHECKPOINTS) changes.

The new catalog is built in a thread (reading YAML and checking specs is blocking work) and
replaces `WorkerState.catalog` in one assignment: a run in flight keeps the checkpoint it
started with, the next job uses the new definitions, and no job is dropped or re-queued. A
file that does not load (a YAML error, an unknown validator) is logged with the reason and the
previous definitions stay in force. Module paths (``package.module``) are only re-read on
SIGHUP, and Python's import cache means an edited module needs a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from shared.catalog import CheckpointCatalog
from worker.state import WorkerState

logger = logging.getLogger(__name__)

#: Seconds between looks at the definitions file's size and modification time.
WATCH_INTERVAL_S = 1.0


def file_signature(location: str | None) -> tuple[int, int] | None:
    """(size, mtime ns) of the definitions file; None for a module path or a missing file."""
    if not location:
        return None
    try:
        stat = Path(location).stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


class DefinitionsReloader:
    """Keeps `state.catalog` in step with the definitions at `location`."""

    def __init__(
        self, state: WorkerState, location: str | None, interval_s: float = WATCH_INTERVAL_S
    ) -> None:
        self._state = state
        self._location = location
        self._interval_s = interval_s
        self._signature = file_signature(location)
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        #: How many reloads replaced the catalog (for tests and logs).
        self.reloads = 0

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, self._wanted.set)
        self._task = asyncio.create_task(self._watch(), name="checkfleet-definitions-reload")

    async def stop(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _watch(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wanted.wait(), self._interval_s)
            asked = self._wanted.is_set()
            self._wanted.clear()
            signature = file_signature(self._location)
            if asked or (signature is not None and signature != self._signature):
                self._signature = signature
                await self.reload("SIGHUP" if asked else "the file changed")

    async def reload(self, why: str) -> bool:
        """Load the definitions again; True when they replaced the catalog."""
        try:
            catalog = await asyncio.to_thread(CheckpointCatalog.from_location, self._location)
        except Exception as exc:  # ConfigError mostly; a broken plugin module gets the same answer
            logger.error("definitions not reloaded (%s), keeping the previous ones: %s", why, exc)
            return False
        self._state.catalog = catalog
        self.reloads += 1
        logger.info(
            "definitions reloaded (%s): %d checkpoints (%s)",
            why,
            len(catalog),
            ", ".join(catalog.names()) or "none",
        )
        return True
