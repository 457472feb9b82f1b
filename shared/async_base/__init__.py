"""The seed page's ``async_base`` module: base classes, protocols, adapters, strategies, context
and decorators for asynchronous checkpoint execution."""

from __future__ import annotations

from shared.async_base.action import DEFAULT_ACTION_TIMEOUT_S, AsyncBaseAction
from shared.async_base.action_config import ActionConfig, NotifyOn
from shared.async_base.adapter import SyncActionAdapter, adapt_to_async
from shared.async_base.configurable import ComponentConfig, Configurable
from shared.async_base.context import AsyncExecutionContext, current_context
from shared.async_base.decorators import with_retry, with_semaphore, with_timeout
from shared.async_base.protocols import AsyncExecutable, SyncExecutable
from shared.async_base.strategies import (
    ConcurrentStrategy,
    ExecutionStrategy,
    PipelineStrategy,
    SequentialStrategy,
    run_action,
)
from shared.async_base.trigger import AsyncBaseTrigger, TriggerConfig, TriggerResult
from shared.models import ActionResult, ActionStatus

__all__ = [
    "DEFAULT_ACTION_TIMEOUT_S",
    "ActionConfig",
    "ActionResult",
    "ActionStatus",
    "AsyncBaseAction",
    "AsyncBaseTrigger",
    "AsyncExecutable",
    "AsyncExecutionContext",
    "ComponentConfig",
    "ConcurrentStrategy",
    "Configurable",
    "ExecutionStrategy",
    "NotifyOn",
    "PipelineStrategy",
    "SequentialStrategy",
    "SyncActionAdapter",
    "SyncExecutable",
    "TriggerConfig",
    "TriggerResult",
    "adapt_to_async",
    "current_context",
    "run_action",
    "with_retry",
    "with_semaphore",
    "with_timeout",
]
