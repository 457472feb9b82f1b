"""The raw arq baseline: arq's own `Worker` with a checkfleet worker's settings (queue, msgpack
serializer, max_jobs, timeouts, result expiry, abort support, health check), running a job
that does nothing. ``ARQ_POLL_DELAY_S`` overrides arq's default poll delay (0.5 s)."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arq import func
from arq.worker import Worker

from shared.settings import Settings
from worker.settings import worker_options

NOOP = "noop"


async def noop(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> None:
    return None


def main() -> None:
    options = worker_options(Settings.from_env())
    options.update(functions=[func(noop, name=NOOP)], on_startup=None, on_shutdown=None)
    # The same deserializer, told that this worker's one function is the no-op (a checkfleet
    # worker refuses any function but its own).
    options["job_deserializer"] = functools.partial(
        options["job_deserializer"].func,
        **{**options["job_deserializer"].keywords, "functions": frozenset({NOOP})},
    )
    if "ARQ_POLL_DELAY_S" in os.environ:
        options["poll_delay"] = float(os.environ["ARQ_POLL_DELAY_S"])
    Worker(**options).run()


if __name__ == "__main__":
    main()
