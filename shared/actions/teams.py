"""`TeamsNotification`: a Microsoft Teams message through a Workflows webhook (the "Post to a
channel when a webhook request is received" flow), as an Adaptive Card."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.actions.http import send_json
from shared.actions.http_action import HttpAction
from shared.actions.message import headline
from shared.async_base.action_config import ActionConfig, NotifyOn
from shared.models import ActionResult, ActionStatus, CheckpointResult, CheckpointStatus

_COLOURS = {
    CheckpointStatus.SUCCESS: "Good",
    CheckpointStatus.WARNING: "Warning",
    CheckpointStatus.FAILURE: "Attention",
    CheckpointStatus.ERROR: "Attention",
}


class TeamsConfig(ActionConfig):
    """`webhook_url` is a secret and may be a ``${VAR}`` template."""

    notify_on: NotifyOn = NotifyOn.FAILURE_OR_ERROR
    webhook_url: str = Field(default="", repr=False)
    max_issues: int = Field(default=5, ge=0, le=50)


class TeamsNotification(HttpAction[TeamsConfig]):
    action_type = "teams"
    env_fields = ("webhook_url",)
    secret_fields = ("webhook_url",)
    reach_fields = (("webhook_url", "url"),)

    @classmethod
    def _default_config(cls) -> TeamsConfig:
        return TeamsConfig()

    def build_card(self, result: CheckpointResult) -> dict[str, Any]:
        """The message the workflow receives: one Adaptive Card attachment."""
        facts = [
            {"title": "Run", "value": result.run_id},
            {"title": "At", "value": result.run_time.isoformat()},
            {"title": "Data", "value": f"{result.data_asset or '-'} ({result.row_count:,} rows)"},
            {"title": "Issues", "value": str(len(result.issues))},
        ]
        body: list[dict[str, Any]] = [
            {
                "type": "TextBlock",
                "text": headline(result),
                "weight": "Bolder",
                "size": "Medium",
                "color": _COLOURS[result.status],
                "wrap": True,
            },
            {"type": "FactSet", "facts": facts},
        ]
        worst = sorted(result.issues, key=lambda issue: -issue.severity.rank)
        for issue in worst[: self._config.max_issues]:
            body.append(
                {
                    "type": "TextBlock",
                    "wrap": True,
                    "text": f"[{issue.severity.value}] {issue.message}",
                }
            )
        if result.error:
            body.append(
                {"type": "TextBlock", "wrap": True, "color": "Attention", "text": result.error}
            )
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        }
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        url = self.setting("webhook_url")
        if not url:
            return self._result(ActionStatus.ERROR, "teams: webhook_url is empty", error="no url")
        reply = await send_json(url, self.build_card(checkpoint_result))
        return self._reply_result(reply, service="Teams", delivered="posted to Teams")
