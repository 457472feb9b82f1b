"""The worker side: arq workers acting as the checkpoint pool.

Run one with ``python -m worker`` or ``arq worker.WorkerSettings``: both run
`worker.waking.WakingWorker`. `WorkerSettings` is built from the environment when first looked
up (an invalid CHECKFLEET_* value is one line and exit 2 there, naming the variable), and that
look-up binds arq's worker class to ours (`shared.arq_protocol.use_worker_class`): arq's CLI
offers no hook for the class. ``python -m worker`` imports this package without reading the
environment. Importing does no I/O and loads neither polars nor aiohttp (the jobs and start-up
hooks import them when a worker starts, see `worker.settings`), so
``arq worker.WorkerSettings --check`` imports it cheaply.
"""

from __future__ import annotations

import sys
from typing import Any

from worker.settings import build_worker_settings

__all__ = ["WorkerSettings", "build_worker_settings"]


def __getattr__(name: str) -> Any:
    # PEP 562: arq's CLI looks the class up by name; it is built once, on that first look-up.
    if name == "WorkerSettings":
        from shared.arq_protocol import use_worker_class
        from shared.errors import ConfigError
        from shared.settings import Settings
        from worker.startup import EXIT_CONFIG
        from worker.waking import WakingWorker

        try:
            settings = Settings.from_env()
        except ConfigError as exc:  # one line, not arq's import traceback
            print(f"worker.WorkerSettings: {exc}", file=sys.stderr)
            raise SystemExit(EXIT_CONFIG) from None
        use_worker_class(WakingWorker)
        settings_class = build_worker_settings(settings)
        globals()["WorkerSettings"] = settings_class
        return settings_class
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
