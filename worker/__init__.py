"""The worker side: arq workers acting as the checkpoint pool.

Run one with ``arq worker.WorkerSettings``. Importing this package reads the environment (an
invalid CHECKFLEET_* value fails here, naming the variable) but does no I/O and loads neither
polars nor aiohttp (the jobs and start-up hooks import them when a worker starts, see
`worker.settings`), so ``arq worker.WorkerSettings --check`` imports it cheaply.
"""

from __future__ import annotations

from shared.settings import Settings
from worker.settings import build_worker_settings

WorkerSettings = build_worker_settings(Settings.from_env())

__all__ = ["WorkerSettings", "build_worker_settings"]
