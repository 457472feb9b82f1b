"""The seed page's ``async_runner`` module: the client API of checkfleet.

`AsyncCheckpointRunner` (triggers, on-demand runs, a result stream), `CheckpointPool`,
`run_checkpoint_async` and `run_checkpoints_parallel`, on the worker fleet (``redis``) or in
this process (``local``, the default when CHECKFLEET_REDIS_URL is unset), with one behaviour.
`ResultStream` / `ResultGroup` read the fleet's results for services that only consume them.
"""

from __future__ import annotations

from producer.client.backends import BackendKind, LocalBackend, RedisBackend, RunBackend
from producer.client.parallel import run_checkpoint_async, run_checkpoints_parallel
from producer.client.pool import CheckpointPool
from producer.client.registry import register_checkpoint, unregister_checkpoint
from producer.client.result_stream import ResultEntry, ResultGroup, ResultStream
from producer.client.runner import AsyncCheckpointRunner
from producer.client.runner_config import AsyncRunnerConfig
from shared.errors import PoolClosedError, UndeliveredRunError

__all__ = [
    "AsyncCheckpointRunner",
    "AsyncRunnerConfig",
    "BackendKind",
    "CheckpointPool",
    "LocalBackend",
    "PoolClosedError",
    "RedisBackend",
    "ResultEntry",
    "ResultGroup",
    "ResultStream",
    "RunBackend",
    "UndeliveredRunError",
    "register_checkpoint",
    "run_checkpoint_async",
    "run_checkpoints_parallel",
    "unregister_checkpoint",
]
