"""Test-only entry point: a real scheduler process with a fault injected through the request
consumer's read seam (`serve(on_request_read=...)`), so production modules carry no fault code.

    python -m tests.support.faulty_scheduler exit-after-request-read

``exit-after-request-read`` ends the process abruptly (exit code `FAULT_EXIT_CODE`, no cleanup,
as a crash would) after it read a request and before it enqueued it. Settings come from the
environment as for ``python -m producer``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from producer.scheduler.process import serve
from producer.scheduler.requests import ReadHook
from producer.scheduler.scheduler import SchedulerOptions
from shared.logs import configure_logging
from shared.settings import Settings

logger = logging.getLogger(__name__)

#: Exit code of a process ended by an injected fault.
FAULT_EXIT_CODE = 70


def exit_after_request_read(entry_id: str) -> None:
    logger.warning("fault: exiting after reading request %s", entry_id)
    logging.shutdown()
    os._exit(FAULT_EXIT_CODE)


FAULTS: dict[str, ReadHook] = {"exit-after-request-read": exit_after_request_read}


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in FAULTS:
        raise SystemExit(f"usage: faulty_scheduler {{{','.join(FAULTS)}}}")
    settings = Settings.from_env()
    configure_logging(settings)
    options = SchedulerOptions(poll_interval_s=0.05)
    asyncio.run(serve(settings, options, on_request_read=FAULTS[argv[0]]))


if __name__ == "__main__":
    main(sys.argv[1:])
