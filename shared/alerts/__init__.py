"""Alerting state shared by a fleet: the previous status of each checkpoint (for ``notify_on``
``new_failure``, ``recovered`` and ``changed``), per-channel rate limits and a dedup window.

`RedisAlerts` keeps it in Redis, so every worker sees the same transitions and the same
limits; `MemoryAlerts` keeps it in one process (in-process runs without a fleet).
"""

from __future__ import annotations

from shared.alerts.base import Alerts, is_failing
from shared.alerts.memory import MemoryAlerts
from shared.alerts.redis import RedisAlerts

__all__ = ["Alerts", "MemoryAlerts", "RedisAlerts", "is_failing"]
