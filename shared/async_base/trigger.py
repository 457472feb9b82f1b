"""`AsyncBaseTrigger`: decides when a checkpoint runs. Concrete triggers live in
`shared.triggers`; the loop that drives them lives in the producer."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.async_base.configurable import ComponentConfig, Configurable
from shared.keys import Keys
from shared.specs import TRIGGERS

if TYPE_CHECKING:
    from redis.asyncio import Redis


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
    #: Deterministic identity of this firing, computed identically by every scheduler process
    #: (a tick's ISO time, the stream entry ids, a file's path, size and mtime). With the
    #: checkpoint and trigger names it makes the job id, so a firing seen twice runs once.
    fire_id: str | None = None


@dataclass(frozen=True, slots=True)
class TriggerBinding:
    """What the driver hands a trigger before `start_async` (see `AsyncBaseTrigger.bind`)."""

    #: The fleet's Redis client, for triggers that watch Redis (none by default).
    redis: Redis | None = None
    #: Names of the fleet's keys (consumer groups of event triggers live there).
    keys: Keys = field(default_factory=Keys)
    #: This process's name among the schedulers, e.g. ``host-pid``; unique per process.
    consumer: str | None = None
    #: The checkpoint the trigger belongs to: scopes per-checkpoint state such as a
    #: consumer group, so two checkpoints watching one stream each see every event.
    checkpoint: str | None = None


TriggerConfigT = TypeVar("TriggerConfigT", bound=TriggerConfig)


class AsyncBaseTrigger(Configurable[TriggerConfigT], Generic[TriggerConfigT]):
    """Base class of triggers. Subclasses set `trigger_type` and implement
    `should_trigger_async`; setting `trigger_type` registers the class for specs."""

    trigger_type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "trigger_type" in cls.__dict__ and cls.trigger_type:
            cls.type_name = cls.trigger_type
        TRIGGERS.register_subclass(cls, "trigger_type")

    def __init__(self, config: TriggerConfigT | None = None, /, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        self._running = False
        self._binding = TriggerBinding()
        #: When the checkpoint last ran, as told by `record_run`.
        self._last_run: datetime | None = None

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

    @property
    def binding(self) -> TriggerBinding:
        return self._binding

    def bind(
        self,
        *,
        redis: Redis | None = None,
        keys: Keys | None = None,
        consumer: str | None = None,
        checkpoint: str | None = None,
    ) -> Self:
        """Hand the trigger the resources of its driver; call before `start_async`.

        The explicit seam through which triggers get clients: they never read the environment.
        Triggers that need nothing ignore it.
        """
        self._binding = TriggerBinding(
            redis=redis, keys=keys or Keys(), consumer=consumer, checkpoint=checkpoint
        )
        return self

    async def start_async(self) -> None:
        """Acquire what the trigger watches (a stream consumer, a file baseline...)."""
        self._running = True

    async def stop_async(self) -> None:
        """Release it; evaluating a stopped trigger is allowed and starts it again."""
        self._running = False

    async def should_trigger_async(self) -> TriggerResult:
        raise NotImplementedError

    async def acknowledge_async(self, result: TriggerResult) -> None:
        """Called by the driver once the run `result` asked for was enqueued. Triggers that
        hold something until then (stream entries) release it here; the default does nothing.
        A firing never acknowledged may be delivered again (at-least-once)."""

    def validate_config(self) -> list[str]:
        """Problems of this trigger's config that its types cannot express, for
        `Checkpoint.validate()`; none by default."""
        return []

    # -- the reference framework's synchronous surface ---------------------------------------

    def should_trigger(self) -> TriggerResult:
        """`should_trigger_async` from synchronous code (blocks; not inside an event loop)."""
        return _run_blocking(self.should_trigger_async())

    def start(self) -> None:
        """`start_async` from synchronous code."""
        _run_blocking(self.start_async())

    def stop(self) -> None:
        """`stop_async` from synchronous code."""
        _run_blocking(self.stop_async())

    def record_run(self, run_time: datetime | None = None) -> None:
        """Tell the trigger its checkpoint ran at `run_time` (now by default). Time-based
        triggers count their ticks up to then as answered; others need nothing."""
        self._last_run = run_time or datetime.now(UTC)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


T = TypeVar("T")


def _run_blocking(awaitable: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(awaitable)
    awaitable.close()
    raise RuntimeError("this blocks and cannot run inside an event loop; await the _async form")
