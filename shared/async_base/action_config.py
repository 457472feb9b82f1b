"""`ActionConfig`, the fields every action has, and `NotifyOn`, when an action runs at all."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, JsonValue, field_validator

from shared.async_base.configurable import ComponentConfig, rename_aliases
from shared.models import CheckpointStatus


class NotifyOn(StrEnum):
    """Which checkpoint outcomes an action reacts to."""

    ALWAYS = "always"
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    WARNING = "warning"
    FAILURE_OR_ERROR = "failure_or_error"
    NOT_SUCCESS = "not_success"

    def matches(self, status: CheckpointStatus) -> bool:
        """True when an action with this condition should run for a result of `status`."""
        return status in _MATCHING[self]

    def should_notify(self, status: CheckpointStatus | str) -> bool:
        """The reference framework's name of `matches`; takes a status or its value."""
        return self.matches(CheckpointStatus(status))


_MATCHING: dict[NotifyOn, frozenset[CheckpointStatus]] = {
    NotifyOn.ALWAYS: frozenset(CheckpointStatus),
    NotifyOn.SUCCESS: frozenset({CheckpointStatus.SUCCESS}),
    NotifyOn.FAILURE: frozenset({CheckpointStatus.FAILURE}),
    NotifyOn.ERROR: frozenset({CheckpointStatus.ERROR}),
    NotifyOn.WARNING: frozenset({CheckpointStatus.WARNING}),
    NotifyOn.FAILURE_OR_ERROR: frozenset({CheckpointStatus.FAILURE, CheckpointStatus.ERROR}),
    NotifyOn.NOT_SUCCESS: frozenset(CheckpointStatus) - {CheckpointStatus.SUCCESS},
}

#: Other spellings accepted for a `notify_on` value.
NOTIFY_ON_ALIASES = {"all": NotifyOn.ALWAYS.value}

#: The seed framework's field names, accepted as aliases of ours.
FIELD_ALIASES = {"timeout_seconds": "timeout_s", "retry_delay_seconds": "retry_delay_s"}


def normalise_field_aliases(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the `FIELD_ALIASES` keys renamed; `ValueError` when both are given."""
    return rename_aliases(data, FIELD_ALIASES)


class ActionConfig(ComponentConfig):
    """Fields every action has. Retries apply to exceptions, timeouts and `error` results
    the action marks retryable."""

    #: Stable name used in results and logs; defaults to the action type.
    name: str | None = None
    enabled: bool = True
    notify_on: NotifyOn = NotifyOn.ALWAYS
    #: Per-attempt timeout; None takes the execution context's default, else 30 s.
    timeout_s: float | None = Field(default=None, gt=0)
    #: Retries after the first attempt (0 = one attempt only).
    retry_count: int = Field(default=0, ge=0, le=100)
    retry_delay_s: float = Field(default=1.0, ge=0)
    #: Each retry waits `retry_backoff` times longer than the previous one.
    retry_backoff: float = Field(default=2.0, ge=1.0)
    retry_max_delay_s: float = Field(default=60.0, ge=0)
    #: Random spread of each delay, as a fraction of it (0.1 = +/-10 %).
    retry_jitter: float = Field(default=0.1, ge=0, le=1)
    #: Whether an `error` from this action turns the checkpoint's status to `error`.
    fail_checkpoint_on_error: bool = False
    metadata: dict[str, JsonValue] = Field(default_factory=dict)

    field_aliases: ClassVar[dict[str, str]] = FIELD_ALIASES

    @field_validator("notify_on", mode="before")
    @classmethod
    def _accept_notify_aliases(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            return NOTIFY_ON_ALIASES.get(lowered, lowered)
        return value
