"""Whether a notification may go out now: the dedup window and the channel's rate limit,
both decided by the execution context's `Alerts` (fleet-wide in Redis on workers).

Failing open: when the alert state cannot be reached, the notification is sent (and the
problem logged): a Redis blip must not silence an alert.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from shared.async_base.action_config import ActionConfig
from shared.async_base.context import AsyncExecutionContext
from shared.models import CheckpointResult

if TYPE_CHECKING:
    from shared.alerts.base import Alerts
logger = logging.getLogger(__name__)

#: Longest wait for the alert state (Redis) before a notification goes out without it.
ALERT_STATE_TIMEOUT_S = 1.0


def channel_of(config: ActionConfig, action_type: str, targets: Iterable[str]) -> str:
    """The channel an action notifies: its `rate_limit_channel`, else its type and a digest
    of its targets (webhook URLs, keys: never shown in a key name)."""
    if config.rate_limit_channel:
        return config.rate_limit_channel
    digest = hashlib.sha256("\n".join(sorted(targets)).encode()).hexdigest()[:16]
    return f"{action_type}:{digest}"


def fingerprint(result: CheckpointResult) -> str:
    """What makes two notifications "the same": checkpoint, status and the set of issues."""
    issues = sorted(
        f"{issue.validator}/{issue.column or ''}/{issue.issue_type}" for issue in result.issues
    )
    text = "\n".join([result.checkpoint_name, result.status.value, *issues])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def admission_refusal(
    config: ActionConfig,
    channel: str,
    result: CheckpointResult,
    context: AsyncExecutionContext | None,
) -> str | None:
    """Why the notification must not go out (a skip reason), or None once it may: after
    waiting for its slot on the channel when the rate limit asks for a wait."""
    alerts = None if context is None else context.alerts
    if alerts is None or (config.dedup_window_s is None and config.rate_limit_per_s is None):
        return None
    try:
        async with asyncio.timeout(ALERT_STATE_TIMEOUT_S):
            reason, wait_s = await _decide(config, channel, result, alerts)
    except Exception as exc:  # fail open: see the module docstring
        logger.warning("alert state unavailable (%s); notifying without limits", exc)
        return None
    if reason is None and wait_s > 0:
        await asyncio.sleep(wait_s)
    return reason


async def _decide(
    config: ActionConfig, channel: str, result: CheckpointResult, alerts: Alerts
) -> tuple[str | None, float]:
    """(skip reason, or None and the wait before sending)."""
    if config.dedup_window_s is not None and not await alerts.first_in_window(
        channel, fingerprint(result), config.dedup_window_s
    ):
        reason = (
            f"deduplicated: the same notification went to {channel} less than"
            f" {config.dedup_window_s:g} s ago"
        )
        return reason, 0.0
    if config.rate_limit_per_s is None:
        return None, 0.0
    wait_s = await alerts.reserve(
        channel,
        rate_per_s=config.rate_limit_per_s,
        burst=config.rate_limit_burst,
        max_wait_s=config.rate_limit_max_wait_s,
    )
    if wait_s is None:
        reason = (
            f"rate limited: {channel} allows {config.rate_limit_per_s:g} per second and the"
            f" wait would exceed {config.rate_limit_max_wait_s:g} s"
        )
        return reason, 0.0
    return None, wait_s
