"""`AsyncBaseTrigger`: decides when a checkpoint runs. Concrete triggers live in
`shared.triggers`; the loop that drives them lives in the producer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.async_base.configurable import ComponentConfig, Configurable
from shared.specs import TRIGGERS


class TriggerConfig(ComponentConfig):
    """Fields every trigger has."""

    name: str | None = None
    enabled: bool = True
    metadata: dict[str, Any] = Field(default_factory=dict)


class TriggerResult(BaseModel):
    """The answer of one trigger evaluation."""

    model_config = ConfigDict(frozen=True)

    should_run: bool
    reason: str = ""
    #: When the trigger expects to fire next, if it knows.
    next_run: datetime | None = None
    #: Context handed to the run this evaluation starts (the event's fields, the file path...).
    context: dict[str, Any] = Field(default_factory=dict)
    #: When the trigger fired: the scheduled tick, not the moment it was noticed. Part of the
    #: deterministic job id, so two schedulers noticing the same tick enqueue it once.
    fire_time: datetime | None = None


TriggerConfigT = TypeVar("TriggerConfigT", bound=TriggerConfig)


class AsyncBaseTrigger(Configurable[TriggerConfigT], Generic[TriggerConfigT]):
    """Base class of triggers. Subclasses set `trigger_type` and implement
    `should_trigger_async`; setting `trigger_type` registers the class for specs."""

    trigger_type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "trigger_type" in cls.__dict__ and cls.trigger_type:
            cls.type_name = cls.trigger_type
            TRIGGERS.add(cls.trigger_type, cls, replace=True)

    def __init__(self, config: TriggerConfigT | None = None, /, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self._running = False

    @classmethod
    def _default_config(cls) -> TriggerConfigT:
        return TriggerConfig()  # type: ignore[return-value]

    @property
    def name(self) -> str:
        """Stable name: the configured one, else the trigger type."""
        return self._config.name or self.trigger_type or type(self).__name__

    @property
    def enabled(self) -> bool:
        return self._config.enabled

    @property
    def running(self) -> bool:
        return self._running

    async def start_async(self) -> None:
        """Acquire what the trigger watches (a stream consumer, a file baseline...)."""
        self._running = True

    async def stop_async(self) -> None:
        """Release it; evaluating a stopped trigger is allowed and starts it again."""
        self._running = False

    async def should_trigger_async(self) -> TriggerResult:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
