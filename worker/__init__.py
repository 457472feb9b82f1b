"""The worker side: arq workers acting as the checkpoint pool.

Run one with ``python -m worker`` or ``arq worker.WorkerSettings``. `WorkerSettings` is built
from the environment when first looked up (an invalid CHECKFLEET_* value fails there, naming
the variable), so ``python -m worker`` imports this package without reading the environment
and turns a bad value into one line and an exit code. Importing does no I/O and loads neither
polars nor aiohttp (the jobs and start-up hooks import them when a worker starts, see
`worker.settings`), so ``arq worker.WorkerSettings --check`` imports it cheaply.
"""

from __future__ import annotations

from typing import Any

from worker.settings import build_worker_settings

__all__ = ["WorkerSettings", "build_worker_settings"]


def __getattr__(name: str) -> Any:
    # PEP 562: arq's CLI looks the class up by name; it is built once, on that first look-up.
    if name == "WorkerSettings":
        from shared.settings import Settings

        settings_class = build_worker_settings(Settings.from_env())
        globals()["WorkerSettings"] = settings_class
        return settings_class
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
