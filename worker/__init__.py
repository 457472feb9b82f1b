"""The worker side: arq workers acting as the checkpoint pool.

Run one with ``arq worker.WorkerSettings``. Importing this package reads the environment (an
invalid CHECKFLEET_* value fails here, naming the variable) but does no I/O, so
``arq worker.WorkerSettings --check`` can import it.
"""

from __future__ import annotations

from shared.settings import Settings
from worker.settings import build_worker_settings

WorkerSettings = build_worker_settings(Settings.from_env())

__all__ = ["WorkerSettings", "build_worker_settings"]
