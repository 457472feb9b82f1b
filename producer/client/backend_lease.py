"""`BackendLease`: keeps a runner's backend open while anything uses it, the running runner or
on-demand runs, and closes it when the last user is done; so `run_once_async` outside
`start_async` / `stop_async` opens nothing for longer than its runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from producer.client.backends import RunBackend


class BackendLease:
    """Counts the on-demand users of `backend`; `running` says whether the runner holds it.
    A backend the runner does not own (`owned` False: lent to it, as the shared backend of
    the one-shot functions is) is never closed here."""

    def __init__(
        self, backend: RunBackend, *, running: Callable[[], bool], owned: bool = True
    ) -> None:
        self._backend = backend
        self._running = running
        self._owned = owned
        self._on_demand = 0

    @asynccontextmanager
    async def on_demand(self) -> AsyncIterator[None]:
        """Use the backend for on-demand runs (it opens on the first submission); on leaving,
        close it unless someone else still uses it."""
        self._on_demand += 1
        try:
            yield
        finally:
            self._on_demand -= 1
            if not self._on_demand and not self._running():
                await self._close()

    async def release_background(self) -> None:
        """The runner stopped: close the backend unless on-demand runs still use it."""
        if not self._on_demand:
            await self._close()

    async def _close(self) -> None:
        if self._owned:
            await self._backend.aclose()
