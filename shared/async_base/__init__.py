"""The seed page's ``async_base`` module: base classes, protocols, adapters, strategies, context
and decorators for asynchronous checkpoint execution."""

from __future__ import annotations

from shared.async_base.configurable import ComponentConfig, Configurable
from shared.async_base.trigger import AsyncBaseTrigger, TriggerConfig, TriggerResult

__all__ = [
    "AsyncBaseTrigger",
    "ComponentConfig",
    "Configurable",
    "TriggerConfig",
    "TriggerResult",
]
