"""How a long-running process (scheduler, archiver) is told to stop: SIGTERM or SIGINT set
an `asyncio.Event` that its loops watch, and its metrics endpoint closes with it."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry

from shared.metrics import serve_metrics

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def serving_until_signalled(
    registry: CollectorRegistry, port: int | None
) -> Iterator[asyncio.Event]:
    """The stop event, set by SIGTERM or SIGINT, with `registry` served on `port` (when
    set) until the block ends."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    metrics_server = serve_metrics(registry, port)
    try:
        yield stop
    finally:
        if metrics_server is not None:
            metrics_server.close()
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
