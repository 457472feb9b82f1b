"""`Checkpoint`: a data source, the validators run over it in one polars pass, the actions that
react to the result and the triggers that decide when it runs.

A checkpoint has a declarative spec (`to_spec` / `Checkpoint.from_spec`): plain data that
msgpack carries, so it can travel to a worker and come back identical. In the spec, validators
are names or ``{"type", "config"}`` maps; actions, triggers and the strategy are flat
``{"type", **config}`` maps (or bare names) of registered types (see `shared.specs`).

The constructor checks every field and builds typed objects (`Validator` instances, actions,
`AsyncBaseTrigger` instances, an `ExecutionStrategy`); everything wrong is reported at once in
one `SpecError` listing each field's path. `validate()` lists what needs more than the values
(a data source no reader serves, a checkpoint without validators, an action's or trigger's own
config checks), and `run()` turns those problems into a result with status ``error``.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

from pydantic import JsonValue

# The built-in actions, strategies and triggers register on import: a spec naming them must
# build wherever a checkpoint is built, whatever the caller imported before.
import shared.actions
import shared.async_base
import shared.triggers  # noqa: F401
from shared.async_base.adapter import adapt_to_async
from shared.async_base.strategies import ExecutionStrategy
from shared.async_base.trigger import AsyncBaseTrigger
from shared.checkpoint_fields import (
    RESERVED_METADATA_KEYS,
    Action,
    parse_actions,
    parse_bool,
    parse_choice,
    parse_data_source,
    parse_limit,
    parse_metadata,
    parse_name,
    parse_strategy,
    parse_tags,
    parse_timeout,
    parse_triggers,
    parse_validators,
)
from shared.errors import SpecError
from shared.models import CheckpointResult, CheckpointStatus, Severity
from shared.problems import ConfigProblem, problems_of, raise_problems
from shared.sources import SourceValue, plain_source, source_label, source_problems
from shared.specs import TYPE_FIELD, component_spec
from shared.validators.base import Validator
from shared.validators.entries import ValidatorEntry, entry_spec

if TYPE_CHECKING:
    from shared.execution import CheckpointExecutor

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "RESERVED_METADATA_KEYS",
    "Action",
    "CatchUpPolicy",
    "Checkpoint",
    "CheckpointResult",
    "CheckpointStatus",
    "OverlapPolicy",
    "to_async_checkpoint",
]


class OverlapPolicy(StrEnum):
    """What the scheduler does when a checkpoint fires while its previous run is still queued
    or running."""

    #: Do not start it; the skip is counted and logged.
    SKIP = "skip"
    #: Start it anyway: runs of the checkpoint may overlap.
    ALLOW = "allow"
    #: Keep only the latest such firing and start it once the previous run ended.
    QUEUE_LATEST = "queue_latest"


class CatchUpPolicy(StrEnum):
    """Which ticks of time-based triggers, missed while no scheduler ran, are run on restart."""

    #: None: carry on from the next tick.
    NONE = "none"
    #: Only the latest missed tick.
    LATEST = "latest"
    #: Every missed tick, up to `catch_up_limit` (the most recent ones).
    ALL = "all"


#: How long a run may take unless the checkpoint says otherwise.
DEFAULT_TIMEOUT_S = 300.0
#: The execution strategy of actions unless the checkpoint names another.
DEFAULT_STRATEGY = "concurrent"
#: How many missed ticks catch-up ``all`` runs at most unless the checkpoint says otherwise.
DEFAULT_CATCH_UP_LIMIT = 10
#: Every key of a checkpoint spec, in the order `to_spec` writes them.
SPEC_FIELDS = (
    "name",
    "data_source",
    "validators",
    "validator_config",
    "actions",
    "triggers",
    "strategy",
    "min_severity",
    "fail_on_critical",
    "fail_on_high",
    "timeout_s",
    "overlap",
    "catch_up",
    "catch_up_limit",
    "tags",
    "metadata",
)
_REQUIRED_FIELDS = ("name", "data_source")


class Checkpoint:
    """What to validate, how to judge it, and what to do about the result."""

    def __init__(
        self,
        name: str,
        data_source: SourceValue = "",
        validators: Sequence[ValidatorEntry] | None = None,
        validator_config: Mapping[str, Mapping[str, Any]] | None = None,
        actions: Sequence[Action | str | Mapping[str, Any]] | None = None,
        triggers: Sequence[AsyncBaseTrigger[Any] | str | Mapping[str, Any]] | None = None,
        strategy: ExecutionStrategy | str | Mapping[str, Any] = DEFAULT_STRATEGY,
        min_severity: Severity | str = Severity.LOW,
        fail_on_critical: bool = True,
        fail_on_high: bool = False,
        timeout_s: float | None = DEFAULT_TIMEOUT_S,
        overlap: OverlapPolicy | str = OverlapPolicy.SKIP,
        catch_up: CatchUpPolicy | str = CatchUpPolicy.LATEST,
        catch_up_limit: int = DEFAULT_CATCH_UP_LIMIT,
        tags: Mapping[str, str] | Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        execution_strategy: ExecutionStrategy | str | Mapping[str, Any] | None = None,
        on_complete: Callable[[CheckpointResult], Any] | None = None,
        schema: Mapping[str, str | None] | None = None,
    ) -> None:
        """The fields are those of a spec (docs/checkpoints.md). The reference framework's
        names are accepted too: `execution_strategy` for `strategy`; `schema` (column name to
        type name) adds a ``schema`` validator; `on_complete` is called with each result of
        `run` / `run_async` (sync or async; it stays in this process, never in the spec)."""
        problems: list[ConfigProblem] = []
        self.name: str = parse_name(name, problems)
        #: A path, glob or URL, a ``{"uri": ..., **options}`` map, or (in-process) a frame.
        self.data_source: SourceValue = parse_data_source(data_source, problems)
        entries = list(validators or [])
        if schema is not None:
            entries.append({"type": "schema", "config": {"columns": dict(schema)}})
        self.validators: list[Validator[Any]] = parse_validators(
            entries, validator_config if validator_config is not None else {}, problems
        )
        self.actions: list[Action] = parse_actions(actions, problems)
        self.triggers: list[AsyncBaseTrigger[Any]] = parse_triggers(triggers, problems)
        if execution_strategy is not None:
            if strategy != DEFAULT_STRATEGY and strategy != execution_strategy:
                problems.append(
                    ConfigProblem("execution_strategy", "give strategy or execution_strategy")
                )
            strategy = execution_strategy
        self.strategy: ExecutionStrategy = parse_strategy(strategy, problems)
        self.min_severity: Severity = parse_choice(min_severity, Severity, "min_severity", problems)
        self.fail_on_critical = parse_bool(fail_on_critical, "fail_on_critical", problems)
        self.fail_on_high = parse_bool(fail_on_high, "fail_on_high", problems)
        self.timeout_s: float | None = parse_timeout(timeout_s, problems)
        self.overlap: OverlapPolicy = parse_choice(overlap, OverlapPolicy, "overlap", problems)
        self.catch_up: CatchUpPolicy = parse_choice(catch_up, CatchUpPolicy, "catch_up", problems)
        self.catch_up_limit: int = parse_limit(catch_up_limit, problems)
        self.tags: dict[str, str] = parse_tags(tags, problems)
        self.metadata: dict[str, JsonValue] = parse_metadata(metadata, problems)
        if not _callable_or_none(on_complete):
            problems.append(ConfigProblem("on_complete", "must be a function of the result"))
        self.on_complete = on_complete
        self._session: AsyncExitStack | None = None
        self._executor: CheckpointExecutor | None = None
        raise_problems(problems)

    def add_action(self, action: Action | str | Mapping[str, Any]) -> Self:
        """Append an action (checked like the constructor's); returns the checkpoint."""
        problems: list[ConfigProblem] = []
        built = parse_actions([action], problems)
        raise_problems(problems, prefix="add_action")
        self.actions.extend(built)
        return self

    def add_trigger(self, trigger: AsyncBaseTrigger[Any] | str | Mapping[str, Any]) -> Self:
        """Append a trigger (checked like the constructor's); returns the checkpoint."""
        problems: list[ConfigProblem] = []
        built = parse_triggers([*self.triggers, trigger], problems)
        raise_problems(problems, prefix="add_trigger")
        self.triggers.append(built[-1])
        return self

    @property
    def severity_floor(self) -> Severity:
        """`min_severity`: issues below it are dropped from results."""
        return self.min_severity

    @property
    def overlap_policy(self) -> OverlapPolicy:
        return self.overlap

    @property
    def catch_up_policy(self) -> CatchUpPolicy:
        return self.catch_up

    def validate(self) -> list[ConfigProblem]:
        """Every problem the constructor could not decide from the values alone, each with the
        path of its field. Reads no data."""
        problems = source_problems(self.data_source)
        if not self.validators:
            problems.append(
                ConfigProblem("validators", "a checkpoint needs at least one validator")
            )
        for field, items in (("actions", self.actions), ("triggers", self.triggers)):
            for index, item in enumerate(items):
                check = getattr(item, "validate_config", None)
                found = check() if callable(check) else []
                problems.extend(ConfigProblem(f"{field}[{index}]", str(p)) for p in found)
        return problems

    def to_spec(self) -> dict[str, Any]:
        """Plain data (msgpack-able) that `from_spec` turns back into an equal checkpoint.

        `SpecError` when an action or trigger has no spec form (a local callable, say).
        """
        strategy = self.strategy.to_spec()
        return {
            "name": self.name,
            "data_source": copy.deepcopy(plain_source(self.data_source)),
            "validators": [entry_spec(validator) for validator in self.validators],
            "validator_config": {},
            "actions": [
                component_spec(action, path=f"actions[{index}]")
                for index, action in enumerate(self.actions)
            ],
            "triggers": [
                component_spec(trigger, path=f"triggers[{index}]")
                for index, trigger in enumerate(self.triggers)
            ],
            "strategy": strategy[TYPE_FIELD] if len(strategy) == 1 else strategy,
            "min_severity": self.min_severity.value,
            "fail_on_critical": self.fail_on_critical,
            "fail_on_high": self.fail_on_high,
            "timeout_s": self.timeout_s,
            "overlap": self.overlap.value,
            "catch_up": self.catch_up.value,
            "catch_up_limit": self.catch_up_limit,
            "tags": dict(self.tags),
            "metadata": copy.deepcopy(self.metadata),
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, path: str = "") -> Checkpoint:
        """The checkpoint a spec describes. Unknown keys, missing required keys and every
        field the constructor refuses raise one `SpecError` listing them all (under `path`)."""
        if not isinstance(spec, Mapping):
            raise SpecError("a checkpoint spec must be a map", path=path or None)
        problems = [
            ConfigProblem(str(key), f"unknown key; known: {', '.join(SPEC_FIELDS)}")
            for key in spec
            if key not in SPEC_FIELDS
        ]
        problems.extend(
            ConfigProblem(key, "is required") for key in _REQUIRED_FIELDS if key not in spec
        )
        fields = {key: copy.deepcopy(spec[key]) for key in SPEC_FIELDS if key in spec}
        for key in ("name", "data_source"):
            fields.setdefault(key, "")
        if "name" not in spec:
            fields["name"] = "-"  # reported as required above, not again as empty
        try:
            checkpoint = cls(**fields)
        except SpecError as exc:
            problems.extend(problems_of(exc))
            # What validate() would add, so a fixed file does not reveal new problems.
            problems.extend(source_problems(fields["data_source"]))
        raise_problems(problems, prefix=path)
        return checkpoint

    def run(
        self, run_id: str | None = None, context: Mapping[str, Any] | None = None
    ) -> CheckpointResult:
        """Validate the data, then run the actions through the strategy, in-process and within
        `timeout_s`. Never raises for bad input: the result has status ``error`` and says why."""
        # Imported on the first run: defining a checkpoint does not need the executor.
        from shared.execution import execute_blocking

        result = execute_blocking(self, run_id=run_id or new_run_id(), context=context)
        if self.on_complete is not None:
            returned = self.on_complete(result)
            if inspect.isawaitable(returned):
                asyncio.run(_awaited(returned))
        return result

    async def run_async(
        self, run_id: str | None = None, context: Mapping[str, Any] | None = None
    ) -> CheckpointResult:
        """`run` for async code: validation goes to a thread, the loop is never blocked. Inside
        ``async with checkpoint`` the runs share one thread pool and action context."""
        from shared.execution import execute_in_process

        run_id = run_id or new_run_id()
        if self._executor is not None:
            result = await self._executor.execute(self, run_id=run_id, context=context)
        else:
            result = await execute_in_process(self, run_id=run_id, context=context)
        if self.on_complete is not None:
            returned = self.on_complete(result)
            if inspect.isawaitable(returned):
                await returned
        return result

    async def __aenter__(self) -> Self:
        """Hold a thread pool and an action context for the `run_async` calls inside."""
        from shared.execution import CheckpointExecutor

        if self._session is not None:
            raise RuntimeError(f"checkpoint {self.name!r} is already entered")
        stack = AsyncExitStack()
        self._executor = await stack.enter_async_context(CheckpointExecutor())
        self._session = stack
        return self

    async def __aexit__(self, *exc: object) -> None:
        session, self._session, self._executor = self._session, None, None
        if session is not None:
            await session.aclose()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Checkpoint):
            return NotImplemented
        if self is other:
            return True
        try:
            return self.to_spec() == other.to_spec()
        except SpecError:  # a component without a spec form: only identity is equality
            return False

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Checkpoint(name={self.name!r}, data_source={source_label(self.data_source)!r})"


def _callable_or_none(value: object) -> bool:
    return value is None or callable(value)


async def _awaited(awaitable: Awaitable[Any]) -> None:
    await awaitable


def to_async_checkpoint(checkpoint: Checkpoint) -> Checkpoint:
    """The reference framework's conversion to an async checkpoint. Every checkpoint runs
    asynchronously already (`run_async`, ``async with``): this returns a copy whose
    synchronous actions are wrapped by `adapt_to_async`, the strategy and the rest shared."""
    copied = copy.copy(checkpoint)
    copied.actions = [adapt_to_async(action) for action in checkpoint.actions]
    copied.triggers = list(checkpoint.triggers)
    copied.validators = list(checkpoint.validators)
    copied._session = copied._executor = None
    return copied


def new_run_id() -> str:
    """A fresh run id."""
    return uuid.uuid4().hex
