"""``python -m worker``: one worker process of the fleet, woken by enqueues (see
`worker.waking`). Settings come from the environment (`shared.settings`).

``--check`` is arq's health check (exit 0 when a worker of this queue wrote its health line
recently); ``--burst`` drains the queue and exits.
"""

from __future__ import annotations

import argparse
import sys

from arq.worker import check_health

from shared.errors import ConfigError
from shared.settings import Settings
from worker.settings import build_worker_settings, worker_options
from worker.waking import WakingWorker

#: Exit code of a worker whose configuration does not load: fix it, a restart will not help.
EXIT_CONFIG = 2


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
    worker = WakingWorker(
        **worker_options(settings), wake_channel=settings.keys.wake, burst=args.burst
    )
    try:
        worker.run()
    except ConfigError as exc:  # definitions or plugins that do not load: one line, no traceback
        print(f"python -m worker: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
