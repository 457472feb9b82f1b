"""`OpsgenieAlert`: Opsgenie Alert API v2. A failing run creates the checkpoint's alert (one
alias per checkpoint: Opsgenie counts repeats instead of opening new alerts); the first
passing run after a failing one closes it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import Field

from shared.actions.http import send_json
from shared.actions.http_action import HttpAction, incident_key, incident_step
from shared.actions.message import describe, headline
from shared.async_base.action_config import ActionConfig
from shared.models import ActionResult, ActionStatus, CheckpointResult, CheckpointStatus

API_URL = "https://api.opsgenie.com"


class OpsgenieConfig(ActionConfig):
    """`api_key` is a secret and may be a ``${VAR}`` template."""

    api_key: str = Field(default="", repr=False)
    #: The API's base URL (``https://api.eu.opsgenie.com`` for the EU; tests point elsewhere).
    api_url: str = API_URL
    alias: str = "checkfleet/{checkpoint}"
    #: Priority of alerts for failures; errors are one step higher.
    priority: str = Field(default="P3", pattern=r"^P[1-5]$")
    tags: list[str] = Field(default_factory=lambda: ["checkfleet"])
    max_issues: int = Field(default=10, ge=0, le=50)


class OpsgenieAlert(HttpAction[OpsgenieConfig]):
    action_type = "opsgenie"
    env_fields = ("api_key", "api_url")
    secret_fields = ("api_key",)
    reach_fields = (("api_url", "url"),)

    @classmethod
    def _default_config(cls) -> OpsgenieConfig:
        return OpsgenieConfig()

    def build_request(self, result: CheckpointResult, step: str) -> tuple[str, dict[str, Any]]:
        """(URL, JSON body) of the create or close call."""
        base = self.setting("api_url").rstrip("/")
        alias = incident_key(self._config.alias, result)
        if step == "resolve":
            url = f"{base}/v2/alerts/{quote(alias, safe='')}/close?identifierType=alias"
            return url, {"source": "checkfleet", "note": f"recovered in run {result.run_id}"}
        priority = self._config.priority
        if result.status is CheckpointStatus.ERROR and priority != "P1":
            priority = f"P{int(priority[1]) - 1}"
        body = {
            "message": headline(result)[:130],
            "alias": alias[:512],
            "description": "\n".join(describe(result, max_issues=self._config.max_issues))[:15000],
            "priority": priority,
            "source": "checkfleet",
            "entity": result.checkpoint_name,
            "tags": list(self._config.tags),
            "details": {"run_id": result.run_id, "data": result.data_asset},
        }
        return f"{base}/v2/alerts", body

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        step = incident_step(checkpoint_result)
        if step is None:
            return self._result(ActionStatus.SKIPPED, "passing, and no alert to close")
        key = self.setting("api_key")
        if not key:
            return self._result(ActionStatus.ERROR, "opsgenie: api_key is empty", error="no key")
        url, body = self.build_request(checkpoint_result, step)
        reply = await send_json(url, body, headers={"Authorization": f"GenieKey {key}"})
        done = "alert closed" if step == "resolve" else "alert created"
        return self._reply_result(reply, service="Opsgenie", delivered=done)
