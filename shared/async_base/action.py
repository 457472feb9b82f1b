"""`AsyncBaseAction`: the base of every action, with notify_on, timeout and retry handling.

A subclass implements `_execute_async` for one attempt; `execute_async` decides whether to run
at all, bounds each attempt by a timeout, retries with exponential backoff and jitter, and
always answers with an `ActionResult` (status `error` with the cause when every attempt
failed). Cancellation is never swallowed nor retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import JsonValue

from shared.async_base.action_config import ActionConfig, NotifyOn, normalise_field_aliases
from shared.async_base.admission import admission_refusal, channel_of
from shared.async_base.configurable import Configurable
from shared.async_base.context import AsyncExecutionContext, current_context
from shared.async_base.retry import backoff_delay_s
from shared.errors import ConfigError, SpecError
from shared.models import ActionResult, ActionStatus, CheckpointResult, utc_now
from shared.specs import ACTIONS
from shared.trust.redaction import process_redactor

logger = logging.getLogger(__name__)

#: Per-attempt timeout when neither the action nor the execution context sets one.
DEFAULT_ACTION_TIMEOUT_S = 30.0
#: `details` key by which an action marks an `error` result as worth retrying.
RETRYABLE = "retryable"
#: `details` key with the server's requested wait (an HTTP ``Retry-After``), in seconds.
RETRY_AFTER_S = "retry_after_s"

ConfigT = TypeVar("ConfigT", bound=ActionConfig)


class AsyncBaseAction(Configurable[ConfigT], Generic[ConfigT]):
    """Base class of actions. Subclasses set `action_type` (which registers them for specs)
    and implement `_execute_async(checkpoint_result)` for one attempt."""

    action_type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "action_type" in cls.__dict__ and cls.action_type:
            cls.type_name = cls.action_type
        ACTIONS.register_subclass(cls, "action_type")

    def __init__(self, config: ConfigT | None = None, /, **overrides: Any) -> None:
        try:
            overrides = normalise_field_aliases(overrides)
        except ValueError as exc:
            raise ConfigError(f"{self.type_label}: {exc}") from None
        super().__init__(config, **overrides)

    @classmethod
    def _default_config(cls) -> ConfigT:
        return ActionConfig()  # type: ignore[return-value]

    # -- identity ---------------------------------------------------------------------------

    @property
    def type_label(self) -> str:
        """The action type for results: `action_type`, else the class name."""
        return self.action_type or type(self).__name__

    @property
    def name(self) -> str:
        """Stable name: the configured one, else the action type (never an object id)."""
        return self._config.name or self.type_label

    @property
    def enabled(self) -> bool:
        return self._config.enabled

    @property
    def notify_on(self) -> NotifyOn:
        return self._config.notify_on

    @property
    def fail_checkpoint_on_error(self) -> bool:
        return self._config.fail_checkpoint_on_error

    def to_spec(self) -> dict[str, Any]:
        """``{"type": action_type, **fields that differ from the defaults}``; the raw
        ``${VAR}`` templates travel, never their expanded values."""
        if not self.action_type:
            raise SpecError(
                f"{type(self).__name__} sets no action_type, so it cannot be sent to a worker"
            )
        return super().to_spec()

    def __repr__(self) -> str:
        # Never the config: it may hold webhook URLs, tokens or passwords.
        return f"{type(self).__name__}(name={self.name!r}, type={self.type_label!r})"

    # -- for subclasses ---------------------------------------------------------------------

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        """One attempt. Raise, or return an `error` result made with ``retryable=True``, to
        have it retried."""
        raise NotImplementedError(f"{type(self).__name__} must implement _execute_async()")

    def _result(
        self,
        status: ActionStatus,
        message: str = "",
        *,
        error: str | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
        details: dict[str, JsonValue] | None = None,
    ) -> ActionResult:
        """A result of this action; `retryable` marks an `error` as worth another attempt."""
        extra: dict[str, JsonValue] = dict(details or {})
        if retryable:
            extra[RETRYABLE] = True
        if retry_after_s is not None:
            extra[RETRY_AFTER_S] = retry_after_s
        return ActionResult(
            action_name=self.name,
            action_type=self.type_label,
            status=status,
            message=message,
            error=error,
            details=extra,
        )

    def _is_retryable_exception(self, exc: Exception) -> bool:
        """Whether another attempt may succeed; a configuration problem never does."""
        return not isinstance(exc, ConfigError)

    def _secrets(self) -> Iterable[str]:
        """Values that must never appear in results or logs (tokens, webhook URLs...)."""
        return ()

    def validate_config(self) -> list[str]:
        """Problems of this action's config that its types cannot express (an empty URL,
        no recipients), for `Checkpoint.validate()`; none by default. Reads no environment:
        ``${VAR}`` templates are resolved when the action runs."""
        return []

    # -- running ----------------------------------------------------------------------------

    def skip_reason(self, checkpoint_result: CheckpointResult) -> str | None:
        """Why this action does not run for `checkpoint_result`, or None when it does."""
        if not self.enabled:
            return "action is disabled"
        if not self.notify_on.matches(checkpoint_result.status, checkpoint_result.previous_status):
            previous = checkpoint_result.previous_status
            after = f" after {previous.value}" if previous is not None else ""
            return (
                f"notify_on={self.notify_on.value} does not match checkpoint status "
                f"{checkpoint_result.status.value}{after}"
            )
        return None

    @property
    def channel(self) -> str:
        """Where this action notifies, for rate limits and dedup windows."""
        return channel_of(self._config, self.type_label, self._secrets())

    async def execute_async(
        self,
        checkpoint_result: CheckpointResult,
        *,
        context: AsyncExecutionContext | None = None,
    ) -> ActionResult:
        """Run the action for `checkpoint_result`: skip, or attempt with timeout and retries."""
        started_at, started = utc_now(), time.monotonic()
        context = context or current_context()
        reason = self.skip_reason(checkpoint_result)
        if reason is None:
            reason = await admission_refusal(self._config, self.channel, checkpoint_result, context)
        if reason is not None:
            outcome = self._result(ActionStatus.SKIPPED, reason)
        else:
            token = context.activate() if context is not None else None
            try:
                outcome = await self._attempt_all(checkpoint_result, context)
            finally:
                if token is not None:
                    AsyncExecutionContext.reset(token)
        return self._finish(outcome, started_at, started)

    def _timeout_s(self, context: AsyncExecutionContext | None) -> float:
        if self._config.timeout_s is not None:
            return self._config.timeout_s
        if context is not None and context.timeout is not None:
            return context.timeout
        return DEFAULT_ACTION_TIMEOUT_S

    async def _attempt_all(
        self, checkpoint_result: CheckpointResult, context: AsyncExecutionContext | None
    ) -> ActionResult:
        config = self._config
        timeout_s = self._timeout_s(context)
        attempts = config.retry_count + 1
        failed: ActionResult | None = None
        cause = ""
        for attempt in range(1, attempts + 1):
            retry_after_s: float | None = None
            failed = None
            try:
                async with asyncio.timeout(timeout_s):
                    outcome: object = await self._execute_async(checkpoint_result)
            except TimeoutError:
                cause, retryable = f"timed out after {timeout_s:g} s", True
            except Exception as exc:  # an attempt's failure is data: retried or reported
                cause = f"{type(exc).__name__}: {exc}"
                retryable = self._is_retryable_exception(exc)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except BaseException as exc:  # SystemExit & co from user code: not the worker's end
                cause, retryable = f"{type(exc).__name__} raised: {exc}", False
            else:
                if not isinstance(outcome, ActionResult):
                    return self._result(
                        ActionStatus.ERROR,
                        f"_execute_async returned {type(outcome).__name__}, not an ActionResult",
                        error="bad return value",
                    )
                if outcome.status is not ActionStatus.ERROR or not outcome.details.get(RETRYABLE):
                    return _with_attempts(outcome, attempt)
                failed, retryable = outcome, True
                cause = outcome.error or outcome.message or "error"
                hint = outcome.details.get(RETRY_AFTER_S)
                retry_after_s = float(hint) if isinstance(hint, int | float) else None
            if not retryable or attempt == attempts:
                break
            delay_s = backoff_delay_s(
                attempt,
                base_s=config.retry_delay_s,
                factor=config.retry_backoff,
                max_s=config.retry_max_delay_s,
                jitter=config.retry_jitter,
            )
            if retry_after_s is not None:
                delay_s = min(max(delay_s, retry_after_s), config.retry_max_delay_s)
            logger.warning(
                "action %s attempt %d/%d failed (%s); retrying in %.3f s",
                self.name,
                attempt,
                attempts,
                self._redact(cause),
                delay_s,
            )
            await asyncio.sleep(delay_s)
        if failed is not None:
            return _with_attempts(failed, attempt)
        plural = "s" if attempt > 1 else ""
        return _with_attempts(
            self._result(
                ActionStatus.ERROR, f"failed after {attempt} attempt{plural}: {cause}", error=cause
            ),
            attempt,
        )

    def secret_values(self) -> list[str]:
        """The values this action must never show (for redacting a whole run's result)."""
        return list(self._secrets())

    def _redact(self, text: str) -> str:
        # Every form of a secret (percent-quoted, JSON-escaped, a URL's path...), and the
        # start of one cut off at the end of a reply excerpt.
        return process_redactor(self._secrets()).redact(text, excerpt=True)

    def _finish(self, outcome: ActionResult, started_at: Any, started: float) -> ActionResult:
        update: dict[str, Any] = {
            "started_at": outcome.started_at or started_at,
            "completed_at": outcome.completed_at or utc_now(),
            "duration_ms": outcome.duration_ms or (time.monotonic() - started) * 1000.0,
            "message": self._redact(outcome.message),
        }
        if outcome.error is not None:
            update["error"] = self._redact(outcome.error)
        return outcome.model_copy(update=update)


def _with_attempts(result: ActionResult, attempts: int) -> ActionResult:
    return result.model_copy(update={"details": {**result.details, "attempts": attempts}})
