"""``python -m worker``: one worker process of the fleet, woken by enqueues (see
`worker.waking`). Settings come from the environment (`shared.settings`).

``--check`` is arq's health check (exit 0 when a worker of this queue wrote its health line
recently); ``--burst`` drains the queue and exits.

Exit codes: 0 after a stop, 2 when the settings are invalid or Redis refuses the worker (a
wrong or missing password, an untrusted certificate: the message says which, within seconds).
An unreachable Redis is waited for, and an outage while running is ridden out.
"""

from __future__ import annotations

import argparse
import logging
import sys

from arq.worker import check_health

from shared.errors import ConfigError, RedisAccessError
from shared.logs import configure_logging
from shared.redis_connection import LONG_LIVED, access_problem, check_redis, connect_arq_client
from shared.redis_url import redacted
from shared.settings import Settings
from worker.settings import build_worker_settings, worker_options
from worker.waking import WakingWorker

logger = logging.getLogger("worker")

#: Exit code of a worker that cannot start or go on (its configuration does not load, Redis
#: refuses it): fix it, a restart will not help.
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
    configure_logging(settings)
    pool = connect_arq_client(settings, LONG_LIVED)
    worker = WakingWorker(
        **worker_options(settings),
        redis_pool=pool,
        wake_channel=settings.keys.wake,
        burst=args.burst,
    )
    try:
        worker.loop.run_until_complete(check_redis(pool, settings, LONG_LIVED))
        worker.run()
    except RedisAccessError as exc:
        logger.error("worker cannot start: %s", exc)
        return EXIT_CONFIG
    except ConfigError as exc:  # definitions or plugins that do not load: one line, no traceback
        print(f"python -m worker: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except Exception as exc:
        problem = access_problem(exc)
        if problem is None:
            raise
        # Redis started refusing this worker while it ran (password rotated, certificate
        # replaced): not an outage to ride out.
        logger.error("worker stopped: %s (Redis at %s)", problem, redacted(settings.redis_url))
        return EXIT_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
