"""Importable callbacks for `CustomAction(function="tests.support.actions:...")`, so test
checkpoints with custom actions can travel to workers as specs."""

from __future__ import annotations

import asyncio
import logging
import os

from shared.models import CheckpointResult


async def pause(result: CheckpointResult) -> str:
    """Sleeps for CHECKFLEET_TEST_PAUSE_S (default 0.2 s): a run that takes a while."""
    await asyncio.sleep(float(os.environ.get("CHECKFLEET_TEST_PAUSE_S", "0.2")))
    return f"paused for {result.run_id}"


async def hang(result: CheckpointResult) -> str:
    """Never finishes on its own: only a timeout or a cancellation ends it."""
    await asyncio.Event().wait()
    return "unreachable"


def explode(result: CheckpointResult) -> str:
    raise RuntimeError(f"boom in {result.checkpoint_name}")


def log_line(result: CheckpointResult) -> str:
    """A synchronous callback (it runs in a thread) that writes one log line."""
    logging.getLogger("tests.support.actions").warning("hello from %s", result.checkpoint_name)
    return "logged"


class ConcurrencyProbe:
    """Counts how many probed actions run at once, across every run of the process."""

    running = 0
    peak = 0

    @classmethod
    def reset(cls) -> None:
        cls.running = cls.peak = 0


async def probe_concurrency(result: CheckpointResult) -> str:
    ConcurrencyProbe.running += 1
    ConcurrencyProbe.peak = max(ConcurrencyProbe.peak, ConcurrencyProbe.running)
    try:
        await asyncio.sleep(0.05)
    finally:
        ConcurrencyProbe.running -= 1
    return "probed"


def record_side_effect(result: CheckpointResult) -> str:
    """Appends the run id to the file CHECKFLEET_TEST_SIDE_EFFECTS names: a side effect a
    test can count across processes."""
    with open(os.environ["CHECKFLEET_TEST_SIDE_EFFECTS"], "a") as effects:
        effects.write(result.run_id + "\n")
    return "recorded"


def exit_process(result: CheckpointResult) -> str:
    """Kills its worker on the spot, as a crash or the OOM killer would (no cleanup)."""
    os._exit(70)
