"""``python -m worker``: one worker process of the fleet, woken by enqueues (see
`worker.waking`). Settings come from the environment (`shared.settings`).

``--check`` is arq's health check (exit 0 when a worker of this queue wrote its health line
recently); ``--burst`` drains the queue and exits.

It runs the same worker as ``arq worker.WorkerSettings``, built from the same settings class,
on uvloop's event loop unless CHECKFLEET_EVENT_LOOP=asyncio (`worker.event_loop`), with the
same start-up (`worker.startup`, where the exit codes are documented): 2 when the
settings or definitions are invalid or Redis refuses the worker, 75 when Redis did not answer
within CHECKFLEET_STARTUP_TIMEOUT_S of start-up; an outage while running is ridden out.
"""

from __future__ import annotations

import argparse
import sys

from arq.worker import check_health

from shared.errors import ConfigError
from shared.settings import Settings
from worker.event_loop import use_event_loop
from worker.settings import build_worker_settings, waking_worker_options
from worker.startup import EXIT_CONFIG
from worker.waking import WakingWorker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit once the queue is empty")
    parser.add_argument("--check", action="store_true", help="run the health check and exit")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"python -m worker: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.check:
        return check_health(build_worker_settings(settings))
    use_event_loop(settings)
    # The worker arq's CLI builds from worker.WorkerSettings; a fatal error ends run() with
    # WorkerExit (a SystemExit carrying the code), its line logged.
    WakingWorker(**waking_worker_options(settings), burst=args.burst).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
