"""The seed's convenience functions: one checkpoint, or several in parallel, then done.

On the fleet backend the calls on one event loop share one connection and reply stream
(`producer.client.loop_backends`), closed when the loop shuts down."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from producer.client.backends import BackendKind, chosen_backend
from producer.client.backends.base import RunBackend
from producer.client.callbacks import Callback
from producer.client.loop_backends import loop_redis_backend
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
    settings = settings or Settings.from_env()
    runner = AsyncCheckpointRunner(
        AsyncRunnerConfig(max_concurrent_checkpoints=1, backend=BackendKind(backend)),
        settings=settings,
        backend=await _shared_backend(BackendKind(backend), settings),
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
    settings = settings or Settings.from_env()
    runner = AsyncCheckpointRunner(
        AsyncRunnerConfig(max_concurrent_checkpoints=max_concurrent, backend=BackendKind(backend)),
        result_callback=on_complete,
        settings=settings,
        backend=await _shared_backend(BackendKind(backend), settings),
    )
    return await runner.run_many_async(checkpoints, context=context)


async def _shared_backend(kind: BackendKind, settings: Settings) -> RunBackend | None:
    """The loop's shared fleet backend when the runs go to the fleet; None (a backend of the
    runner's own) for in-process runs, which hold no connection worth keeping."""
    if chosen_backend(kind, settings) is BackendKind.REDIS:
        return await loop_redis_backend(settings)
    return None
