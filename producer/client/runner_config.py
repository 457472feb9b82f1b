"""`AsyncRunnerConfig`: how an `AsyncCheckpointRunner` paces, bounds and stops itself, and
which backend it runs checkpoints on."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import ConfigError


class BackendKind(StrEnum):
    """Where runs execute."""

    #: ``redis`` when CHECKFLEET_REDIS_URL is set, else ``local``.
    AUTO = "auto"
    #: In this process, through the same execution code as a worker; no Redis needed.
    LOCAL = "local"
    #: Enqueued to the worker fleet; results come back through the client's reply stream.
    REDIS = "redis"


class AsyncRunnerConfig(BaseModel):
    """The seed's runner settings plus the backend choice. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Runs in flight at once (queued on the fleet or executing here).
    max_concurrent_checkpoints: int = Field(default=10, ge=1)
    #: Seconds between evaluations of a trigger that did not fire.
    trigger_poll_interval: float = Field(default=1.0, gt=0)
    #: Results kept for `iter_results_async`; when full, runs wait (backpressure).
    result_queue_size: int = Field(default=1000, ge=1)
    #: Stop the runner after `max_consecutive_failures` failed runs in a row.
    stop_on_error: bool = False
    max_consecutive_failures: int = Field(default=10, ge=1)
    #: How long `stop_async` lets runs in flight finish before reporting them.
    graceful_shutdown_timeout: float = Field(default=30.0, ge=0)
    backend: BackendKind = BackendKind.AUTO
    #: Seconds a run on the fleet may take to give its result before the wait ends with an
    #: ``error`` result; None: twice CHECKFLEET_JOB_TIMEOUT_S + 30 s.
    result_timeout: float | None = Field(default=None, gt=0)

    def __init__(self, **fields: Any) -> None:
        try:
            super().__init__(**fields)
        except ValidationError as exc:  # one error tree: a bad field is a config error
            problems = "; ".join(
                f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
                for item in exc.errors()
            )
            raise ConfigError(f"AsyncRunnerConfig: {problems}") from None
