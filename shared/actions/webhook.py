"""`WebhookAction`: sends the checkpoint result as JSON to an HTTP endpoint."""

from __future__ import annotations

import base64
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from shared.actions.base import BuiltinAction
from shared.actions.http import is_retryable_http_error, send_json
from shared.async_base.action_config import ActionConfig
from shared.models import ActionResult, ActionStatus, CheckpointResult


class WebhookConfig(ActionConfig):
    """Webhook settings. `url`, `headers` and credentials may be ``${VAR}`` templates."""

    url: str = Field(default="", repr=False)
    method: Literal["POST", "PUT", "PATCH"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict, repr=False)
    bearer_token: str | None = Field(default=None, repr=False)
    basic_auth_user: str | None = None
    basic_auth_password: str | None = Field(default=None, repr=False)
    #: Statuses that count as delivered; empty means any 2xx.
    success_codes: list[int] = Field(default_factory=list)
    #: Send the whole result (True), or only its summary: ids, status, counts, error.
    include_full_result: bool = True
    #: Keep the issues (and the actions' results) in the payload.
    include_details: bool = True

    @model_validator(mode="after")
    def _one_auth_scheme(self) -> Self:
        if self.bearer_token and (self.basic_auth_user or self.basic_auth_password):
            raise ValueError("give bearer_token or basic auth, not both")
        if (self.basic_auth_password is not None) and not self.basic_auth_user:
            raise ValueError("basic_auth_password needs basic_auth_user")
        return self


class WebhookAction(BuiltinAction[WebhookConfig]):
    """POST (or PUT/PATCH) the result's JSON. 5xx, 429 and connection errors are retried
    (when `retry_count` allows); other 4xx are not."""

    action_type = "webhook"
    env_fields = ("url", "headers", "bearer_token", "basic_auth_user", "basic_auth_password")
    secret_fields = ("url", "headers", "bearer_token", "basic_auth_password")
    reach_fields = (("url", "url"),)

    @classmethod
    def _default_config(cls) -> WebhookConfig:
        return WebhookConfig()

    def _headers(self) -> dict[str, str]:
        headers = dict(self.setting("headers"))
        token = self.setting("bearer_token")
        user = self.setting("basic_auth_user")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif user:
            # Built by hand: aiohttp.BasicAuth is deprecated in recent aiohttp releases.
            pair = f"{user}:{self.setting('basic_auth_password') or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return headers

    def build_payload(self, checkpoint_result: CheckpointResult) -> dict[str, Any]:
        """The JSON sent: the result, or its summary, with or without the issues."""
        payload = checkpoint_result.to_dict()
        if not self._config.include_full_result:
            kept = ("run_id", "checkpoint_name", "run_time", "status", "data_asset", "row_count")
            summary = {key: payload[key] for key in (*kept, "error")}
            summary["issue_counts"] = {
                severity.value: count
                for severity, count in checkpoint_result.issue_counts().items()
            }
            if self._config.include_details:
                summary["issues"] = payload["issues"]
            return summary
        if not self._config.include_details:
            payload.pop("issues")
            payload.pop("action_results")
        return payload

    def validate_config(self) -> list[str]:
        return [] if self._config.url.strip() else ["url is empty"]

    def _delivered(self, status: int) -> bool:
        codes = self._config.success_codes
        return status in codes if codes else 200 <= status < 300

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        url = self.setting("url")
        if not url:
            return self._result(ActionStatus.ERROR, "webhook: url is empty", error="no url")
        reply = await send_json(
            url,
            self.build_payload(checkpoint_result),
            method=self._config.method,
            headers=self._headers(),
        )
        details: dict[str, int | str] = {"http_status": reply.status}
        if self._delivered(reply.status):
            return self._result(
                ActionStatus.SUCCESS, f"delivered (HTTP {reply.status})", details={**details}
            )
        return self._result(
            ActionStatus.ERROR,
            f"webhook answered HTTP {reply.status}: {reply.body[:200]}",
            error=f"HTTP {reply.status}",
            retryable=reply.retryable,
            retry_after_s=reply.retry_after_s,
            details={**details},
        )

    def _is_retryable_exception(self, exc: Exception) -> bool:
        return is_retryable_http_error(exc) and super()._is_retryable_exception(exc)
