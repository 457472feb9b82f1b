"""Importable action functions for client tests: they travel to worker processes as
``custom`` action specs, and read their knobs from the result (checkpoint metadata or run
context), so one worker serves every test."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.models import CheckpointResult


def _knob(result: CheckpointResult, name: str, default: float) -> float:
    context: Any = result.metadata.get("context") or {}
    value = context.get(name, result.metadata.get(name, default))
    return float(value)


async def pause(result: CheckpointResult) -> str:
    """Sleeps `pause_s` (run context, else checkpoint metadata; default 0.2 s)."""
    await asyncio.sleep(_knob(result, "pause_s", 0.2))
    return f"paused for {result.run_id}"
