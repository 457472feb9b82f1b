"""`SlackNotification`: posts a checkpoint summary to a Slack incoming webhook."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from shared.actions.base import BuiltinAction
from shared.actions.http import is_retryable_http_error, send_json
from shared.actions.message import STATUS_EMOJI, describe, headline
from shared.async_base.action_config import ActionConfig, NotifyOn
from shared.models import ActionResult, ActionStatus, CheckpointResult

#: Room for the result's JSON in a Slack section block (3,000 characters, less the fences).
_FULL_RESULT_CHARS = 2_900


class SlackConfig(ActionConfig):
    """Slack settings; `webhook_url` is a secret and may be a ``${VAR}`` template."""

    notify_on: NotifyOn = NotifyOn.FAILURE_OR_ERROR
    #: Slack accepts about one message a second per webhook: held for the whole fleet.
    rate_limit_per_s: float | None = Field(default=1.0, gt=0)
    rate_limit_burst: int = Field(default=3, ge=1, le=1000)
    webhook_url: str = Field(default="", repr=False)
    channel: str | None = None
    username: str | None = None
    icon_emoji: str | None = None
    #: How many of the worst issues the message lists.
    max_issues: int = Field(default=5, ge=0, le=50)
    #: List the worst issues (the reference's ``include_details``); False: counts only.
    include_details: bool = True
    #: Append the whole result as JSON (truncated to Slack's block limit).
    include_full_result: bool = False


class SlackNotification(BuiltinAction[SlackConfig]):
    """Slack message with checkpoint, status, issue counts and the worst issues."""

    action_type = "slack"
    env_fields = ("webhook_url", "channel", "username")
    secret_fields = ("webhook_url",)
    reach_fields = (("webhook_url", "url"),)

    @classmethod
    def _default_config(cls) -> SlackConfig:
        return SlackConfig()

    def build_payload(self, checkpoint_result: CheckpointResult) -> dict[str, Any]:
        """The JSON Slack receives."""
        title = f"{STATUS_EMOJI[checkpoint_result.status]} {headline(checkpoint_result)}"
        max_issues = self._config.max_issues if self._config.include_details else 0
        lines = describe(checkpoint_result, max_issues=max_issues)
        body = "\n".join(line for line in lines if max_issues or not line.startswith("... and"))
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body}},
        ]
        if self._config.include_full_result:
            text = json.dumps(checkpoint_result.to_dict(), indent=1)
            if len(text) > _FULL_RESULT_CHARS:
                text = text[:_FULL_RESULT_CHARS] + "\n..."
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"```{text}```"}})
        payload: dict[str, Any] = {"text": f"{title}\n{body}", "blocks": blocks}
        for field in ("channel", "username", "icon_emoji"):
            value = self.setting(field)
            if value:
                payload[field] = value
        return payload

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        url = self.setting("webhook_url")
        if not url:
            return self._result(
                ActionStatus.ERROR, "slack: webhook_url is empty", error="no webhook_url"
            )
        reply = await send_json(url, self.build_payload(checkpoint_result))
        if 200 <= reply.status < 300:
            return self._result(ActionStatus.SUCCESS, "posted to Slack")
        return self._result(
            ActionStatus.ERROR,
            f"Slack answered HTTP {reply.status}: {reply.body[:200]}",
            error=f"HTTP {reply.status}",
            retryable=reply.retryable,
            retry_after_s=reply.retry_after_s,
            details={"http_status": reply.status},
        )

    def validate_config(self) -> list[str]:
        return [] if self._config.webhook_url.strip() else ["webhook_url is empty"]

    def _is_retryable_exception(self, exc: Exception) -> bool:
        return is_retryable_http_error(exc) and super()._is_retryable_exception(exc)
