"""``python -m worker``: one worker process of the fleet, woken by enqueues (see
`worker.waking`). Settings come from the environment (`shared.settings`)."""

from __future__ import annotations

from shared.settings import Settings
from worker.settings import worker_options
from worker.waking import WakingWorker


def main() -> None:
    settings = Settings.from_env()
    WakingWorker(**worker_options(settings), wake_channel=settings.keys.wake).run()


if __name__ == "__main__":
    main()
