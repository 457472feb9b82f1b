"""`PagerDutyAlert`: PagerDuty Events API v2. A failing run triggers (or updates) the
checkpoint's incident, keyed by a dedup key per checkpoint; the first passing run after a
failing one resolves it. Passing runs with nothing to resolve send nothing."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.actions.http import send_json
from shared.actions.http_action import HttpAction, incident_key, incident_step
from shared.actions.message import describe, headline
from shared.async_base.action_config import ActionConfig
from shared.models import ActionResult, ActionStatus, CheckpointResult, CheckpointStatus

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_SEVERITY = {CheckpointStatus.FAILURE: "error", CheckpointStatus.ERROR: "critical"}


class PagerDutyConfig(ActionConfig):
    """`routing_key` (the integration key) is a secret and may be a ``${VAR}`` template."""

    routing_key: str = Field(default="", repr=False)
    #: The Events API endpoint (a test or proxy may point elsewhere).
    events_url: str = EVENTS_URL
    #: One incident per checkpoint: ``{checkpoint}`` is replaced by its name.
    dedup_key: str = "checkfleet/{checkpoint}"
    max_issues: int = Field(default=10, ge=0, le=50)


class PagerDutyAlert(HttpAction[PagerDutyConfig]):
    action_type = "pagerduty"
    env_fields = ("routing_key", "events_url")
    secret_fields = ("routing_key",)
    reach_fields = (("events_url", "url"),)

    @classmethod
    def _default_config(cls) -> PagerDutyConfig:
        return PagerDutyConfig()

    def build_event(self, result: CheckpointResult, step: str) -> dict[str, Any]:
        event: dict[str, Any] = {
            "routing_key": self.setting("routing_key"),
            "event_action": step,
            "dedup_key": incident_key(self._config.dedup_key, result),
        }
        if step == "trigger":
            event["payload"] = {
                "summary": headline(result)[:1024],
                "source": result.data_asset or "checkfleet",
                "severity": _SEVERITY.get(result.status, "warning"),
                "component": result.checkpoint_name,
                "group": "checkfleet",
                "custom_details": {
                    "run_id": result.run_id,
                    "details": describe(result, max_issues=self._config.max_issues),
                },
            }
        return event

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        step = incident_step(checkpoint_result)
        if step is None:
            return self._result(ActionStatus.SKIPPED, "passing, and no incident to resolve")
        if not self.setting("routing_key"):
            return self._result(
                ActionStatus.ERROR, "pagerduty: routing_key is empty", error="no key"
            )
        reply = await send_json(
            self.setting("events_url"), self.build_event(checkpoint_result, step)
        )
        return self._reply_result(
            reply, service="PagerDuty", delivered=f"incident {step}", details={"event_action": step}
        )
