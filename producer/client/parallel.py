"""The seed's convenience functions: one checkpoint, or several in parallel, then done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from producer.client.backends import BackendKind
from producer.client.callbacks import Callback
from producer.client.runner import AsyncCheckpointRunner
from producer.client.runner_config import AsyncRunnerConfig
from shared.checkpoint import Checkpoint
from shared.models import CheckpointResult
from shared.settings import Settings


async def run_checkpoint_async(
    checkpoint: Checkpoint | str,
    context: Mapping[str, Any] | None = None,
    *,
    backend: BackendKind | str = BackendKind.AUTO,
    settings: Settings | None = None,
) -> CheckpointResult:
    """Run one checkpoint (an object, or a name registered with `register_checkpoint` or
    known to the workers) and return its result; an ``error`` result says what went wrong."""
    runner = AsyncCheckpointRunner(
        AsyncRunnerConfig(max_concurrent_checkpoints=1, backend=BackendKind(backend)),
        settings=settings,
    )
    return await runner.run_once_async(checkpoint, context=context)


async def run_checkpoints_parallel(
    checkpoints: Sequence[Checkpoint | str],
    max_concurrent: int = 10,
    context: Mapping[str, Any] | None = None,
    on_complete: Callback | None = None,
    *,
    backend: BackendKind | str = BackendKind.AUTO,
    settings: Settings | None = None,
) -> list[CheckpointResult]:
    """Run `checkpoints`, at most `max_concurrent` at once; results in input order.
    `on_complete` sees each result as it completes; if it raises, that is logged and counted
    and every result is still returned."""
    runner = AsyncCheckpointRunner(
        AsyncRunnerConfig(max_concurrent_checkpoints=max_concurrent, backend=BackendKind(backend)),
        result_callback=on_complete,
        settings=settings,
    )
    return await runner.run_many_async(checkpoints, context=context)
