"""`HttpAction`: the base of actions that call an HTTP API (PagerDuty, Opsgenie, Teams).

One way to turn a reply into the action's result: a 2xx is delivered; anything else is an
error naming the service and the status, retried for 5xx and 429 (honouring
``Retry-After``); connection errors are retried, a malformed URL is not.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import JsonValue

from shared.actions.base import BuiltinAction
from shared.actions.http import HttpReply, is_retryable_http_error
from shared.async_base.action_config import ActionConfig
from shared.models import ActionResult, ActionStatus, CheckpointResult, CheckpointStatus

ConfigT = TypeVar("ConfigT", bound=ActionConfig)

FAILING = frozenset({CheckpointStatus.FAILURE, CheckpointStatus.ERROR})


class HttpAction(BuiltinAction[ConfigT], Generic[ConfigT]):
    def _reply_result(
        self,
        reply: HttpReply,
        *,
        service: str,
        delivered: str,
        details: dict[str, JsonValue] | None = None,
    ) -> ActionResult:
        extra: dict[str, JsonValue] = {"http_status": reply.status, **(details or {})}
        if 200 <= reply.status < 300:
            return self._result(ActionStatus.SUCCESS, delivered, details=extra)
        return self._result(
            ActionStatus.ERROR,
            f"{service} answered HTTP {reply.status}: {reply.body[:200]}",
            error=f"HTTP {reply.status}",
            retryable=reply.retryable,
            retry_after_s=reply.retry_after_s,
            details=extra,
        )

    def _is_retryable_exception(self, exc: Exception) -> bool:
        return is_retryable_http_error(exc) and super()._is_retryable_exception(exc)


def incident_step(result: CheckpointResult) -> str | None:
    """What an incident tool should do for `result`: ``trigger`` while the checkpoint
    fails, ``resolve`` on the first passing run after a failing one, else nothing."""
    if result.status in FAILING:
        return "trigger"
    if result.previous_status in FAILING:
        return "resolve"
    return None


def incident_key(template: str, result: CheckpointResult) -> str:
    """The dedup key / alias of a checkpoint's incident (one open incident per checkpoint)."""
    return template.replace("{checkpoint}", result.checkpoint_name)
