"""`checkfleet archive` with a pause after each committed batch, so a test can SIGKILL it
between a commit and its acknowledgement (``python -m tests.support.archiver_process``).
Options come from the environment: ARCHIVE_CONSUMER, ARCHIVE_BATCH, ARCHIVE_PAUSE_S."""

from __future__ import annotations

import asyncio
import logging
import os
import time

from producer.cli.commands.archive import serve_archive
from producer.client.archive import ArchiveOptions
from shared.settings import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    pause_s = float(os.environ.get("ARCHIVE_PAUSE_S", "0.05"))

    def pause(entry_ids: list[str]) -> None:
        print(f"committed {len(entry_ids)}", flush=True)
        time.sleep(pause_s)  # blocking on purpose: the kill lands before the ack

    options = ArchiveOptions(
        consumer=os.environ.get("ARCHIVE_CONSUMER", "victim"),
        batch_size=int(os.environ.get("ARCHIVE_BATCH", "20")),
        flush_interval_s=0.05,
        claim_idle_s=0.5,
    )
    asyncio.run(serve_archive(Settings.from_env(), options, after_commit=pause))


if __name__ == "__main__":
    main()
