"""`Checkpoint`: a data source, the validators run over it in one polars pass, the actions that
react to the result and the triggers that decide when it runs.

A checkpoint has a declarative spec (`to_spec` / `Checkpoint.from_spec`): plain data that
msgpack carries, so it can travel to a worker and come back identical. In the spec, validators
are names or ``{"type", "config"}`` maps; actions and triggers are flat ``{"type", **config}``
maps of registered types (see `shared.specs`); the strategy stays plain data (a name or a map).

The constructor accepts anything; `validate()` lists every problem at once without reading data,
and `run()` turns problems into a result with status ``error``.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Self

from pydantic import JsonValue, TypeAdapter, ValidationError

# The built-in actions, strategies and triggers register on import: a spec naming them must
# build wherever a checkpoint is built, whatever the caller imported before.
import shared.actions
import shared.async_base
import shared.triggers  # noqa: F401
from shared.errors import SpecError
from shared.models import CheckpointResult, CheckpointStatus, Severity
from shared.problems import ConfigProblem, problems_of, raise_problems
from shared.sources import resolve_reader
from shared.specs import ACTIONS, STRATEGIES, TRIGGERS, build_component, component_spec
from shared.validators.entries import ValidatorEntry, entry_spec, validator_problems

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "CatchUpPolicy",
    "Checkpoint",
    "CheckpointResult",
    "CheckpointStatus",
    "OverlapPolicy",
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
#: Keys of the result metadata that checkfleet fills; user metadata may not use them.
RESERVED_METADATA_KEYS = ("tags", "context")

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
_JSON_MAP: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])


class Checkpoint:
    """What to validate, how to judge it, and what to do about the result."""

    def __init__(
        self,
        name: str,
        data_source: str | os.PathLike[str] = "",
        validators: Sequence[ValidatorEntry] | None = None,
        validator_config: Mapping[str, Mapping[str, Any]] | None = None,
        actions: Sequence[Any] | None = None,
        triggers: Sequence[Any] | None = None,
        strategy: str | Mapping[str, Any] = DEFAULT_STRATEGY,
        min_severity: Severity | str = Severity.LOW,
        fail_on_critical: bool = True,
        fail_on_high: bool = False,
        timeout_s: float | None = DEFAULT_TIMEOUT_S,
        overlap: OverlapPolicy | str = OverlapPolicy.SKIP,
        catch_up: CatchUpPolicy | str = CatchUpPolicy.LATEST,
        catch_up_limit: int = DEFAULT_CATCH_UP_LIMIT,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.data_source = (
            os.fspath(data_source) if isinstance(data_source, os.PathLike) else data_source
        )
        self.validators: list[ValidatorEntry] = list(validators or [])
        self.validator_config: dict[str, Any] = dict(validator_config or {})
        self.actions: list[Any] = list(actions or [])
        self.triggers: list[Any] = list(triggers or [])
        self.strategy: str | Mapping[str, Any] = strategy
        self.min_severity: Severity | str = min_severity
        self.fail_on_critical = fail_on_critical
        self.fail_on_high = fail_on_high
        self.timeout_s = timeout_s
        self.overlap: OverlapPolicy | str = overlap
        self.catch_up: CatchUpPolicy | str = catch_up
        self.catch_up_limit = catch_up_limit
        self.tags: list[str] = list(tags or [])
        self.metadata: dict[str, Any] = dict(metadata or {})

    def add_action(self, action: Any) -> Self:
        """Append an action; returns the checkpoint for chaining."""
        self.actions.append(action)
        return self

    def add_trigger(self, trigger: Any) -> Self:
        """Append a trigger; returns the checkpoint for chaining."""
        self.triggers.append(trigger)
        return self

    @property
    def severity_floor(self) -> Severity:
        """`min_severity` as a `Severity` (call `validate()` first: raises on a bad value)."""
        return Severity(self.min_severity)

    @property
    def overlap_policy(self) -> OverlapPolicy:
        """`overlap` as an `OverlapPolicy` (call `validate()` first: raises on a bad value)."""
        return OverlapPolicy(self.overlap)

    @property
    def catch_up_policy(self) -> CatchUpPolicy:
        """`catch_up` as a `CatchUpPolicy` (call `validate()` first: raises on a bad value)."""
        return CatchUpPolicy(self.catch_up)

    def validate(self) -> list[ConfigProblem]:
        """Every configuration problem, each with the path of its field. Reads no data."""
        problems: list[ConfigProblem] = []
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append(ConfigProblem("name", "must be a non-empty string"))
        try:
            resolve_reader(self.data_source)
        except SpecError as exc:
            problems.extend(problems_of(exc, prefix="data_source"))
        problems.extend(validator_problems(self.validators, self.validator_config))
        problems.extend(_component_list_problems("actions", self.actions))
        problems.extend(_component_list_problems("triggers", self.triggers))
        try:
            build_component(STRATEGIES, self.strategy, path="strategy")
        except SpecError as exc:
            problems.extend(problems_of(exc))
        problems.extend(self._threshold_problems())
        problems.extend(self._scheduling_problems())
        return problems

    def _scheduling_problems(self) -> list[ConfigProblem]:
        problems = []
        for field, policy in (("overlap", OverlapPolicy), ("catch_up", CatchUpPolicy)):
            if getattr(self, field) not in list(policy):
                known = ", ".join(member.value for member in policy)
                problems.append(ConfigProblem(field, f"must be one of: {known}"))
        limit = self.catch_up_limit
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            problems.append(ConfigProblem("catch_up_limit", "must be a whole number of at least 1"))
        # A trigger's name keys its job ids, last tick and consumer group: it must be unique.
        seen: dict[str, int] = {}
        for index, trigger in enumerate(self.triggers if isinstance(self.triggers, list) else []):
            name = getattr(trigger, "name", None)
            if not isinstance(name, str):
                continue
            if name in seen:
                problems.append(
                    ConfigProblem(
                        f"triggers[{index}].name",
                        f"{name!r} duplicates the name of triggers[{seen[name]}]; "
                        "give each trigger of a checkpoint its own name",
                    )
                )
            else:
                seen[name] = index
        return problems

    def _threshold_problems(self) -> list[ConfigProblem]:
        problems = []
        if self.min_severity not in list(Severity):
            known = ", ".join(severity.value for severity in Severity)
            problems.append(ConfigProblem("min_severity", f"must be one of: {known}"))
        for field in ("fail_on_critical", "fail_on_high"):
            if not isinstance(getattr(self, field), bool):
                problems.append(ConfigProblem(field, "must be true or false"))
        timeout_s = self.timeout_s
        if timeout_s is not None and (
            isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or timeout_s <= 0
        ):
            problems.append(ConfigProblem("timeout_s", "must be a positive number of seconds"))
        if not all(isinstance(tag, str) for tag in self.tags):
            problems.append(ConfigProblem("tags", "must be a list of strings"))
        try:
            _JSON_MAP.validate_python(self.metadata)
        except ValidationError:
            problems.append(ConfigProblem("metadata", "must be a map of plain JSON-like values"))
        for key in RESERVED_METADATA_KEYS:
            if key in self.metadata:
                problems.append(
                    ConfigProblem(f"metadata.{key}", "is reserved: checkfleet fills it in results")
                )
        return problems

    def to_spec(self) -> dict[str, Any]:
        """Plain data (msgpack-able) that `from_spec` turns back into an equal checkpoint.

        `SpecError` when an action or trigger has no spec form (a local callable, say).
        """
        severity = self.min_severity
        return {
            "name": self.name,
            "data_source": self.data_source,
            "validators": [copy.deepcopy(entry_spec(entry)) for entry in self.validators],
            "validator_config": copy.deepcopy(self.validator_config),
            "actions": [
                component_spec(action, path=f"actions[{index}]")
                for index, action in enumerate(self.actions)
            ],
            "triggers": [
                component_spec(trigger, path=f"triggers[{index}]")
                for index, trigger in enumerate(self.triggers)
            ],
            "strategy": copy.deepcopy(self.strategy),
            "min_severity": severity.value if isinstance(severity, Severity) else severity,
            "fail_on_critical": self.fail_on_critical,
            "fail_on_high": self.fail_on_high,
            "timeout_s": self.timeout_s,
            "overlap": _plain(self.overlap),
            "catch_up": _plain(self.catch_up),
            "catch_up_limit": self.catch_up_limit,
            "tags": list(self.tags),
            "metadata": copy.deepcopy(self.metadata),
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, path: str = "") -> Checkpoint:
        """The checkpoint a spec describes. Unknown keys, missing required keys and actions or
        triggers that cannot be built raise one `SpecError` listing them all (under `path`).
        Validators stay as data: `validate()` and `run()` judge them."""
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
        for family, registry in (("actions", ACTIONS), ("triggers", TRIGGERS)):
            items = fields.get(family) or []
            if not isinstance(items, list):
                problems.append(ConfigProblem(family, "must be a list"))
                fields[family] = []
                continue
            built = []
            for index, item in enumerate(items):
                try:
                    built.append(build_component(registry, item, path=f"{family}[{index}]"))
                except SpecError as exc:
                    problems.extend(problems_of(exc))
            fields[family] = built
        raise_problems(problems, prefix=path)
        for key in ("validators", "tags"):
            if fields.get(key) is None:
                fields.pop(key, None)
        return cls(**fields)

    def run(
        self, run_id: str | None = None, context: Mapping[str, Any] | None = None
    ) -> CheckpointResult:
        """Validate the data, then run the actions through the strategy, in-process and within
        `timeout_s`. Never raises for bad input: the result has status ``error`` and says why."""
        # Imported on the first run: defining a checkpoint does not need the executor.
        from shared.execution import execute_blocking

        return execute_blocking(self, run_id=run_id or new_run_id(), context=context)

    async def run_async(
        self, run_id: str | None = None, context: Mapping[str, Any] | None = None
    ) -> CheckpointResult:
        """`run` for async code: validation goes to a thread, the loop is never blocked."""
        from shared.execution import execute_in_process

        return await execute_in_process(self, run_id=run_id or new_run_id(), context=context)

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
        return f"Checkpoint(name={self.name!r}, data_source={self.data_source!r})"


def _plain(value: StrEnum | str) -> str:
    return value.value if isinstance(value, StrEnum) else value


def new_run_id() -> str:
    """A fresh run id."""
    return uuid.uuid4().hex


def _component_list_problems(field: str, items: object) -> list[ConfigProblem]:
    if not isinstance(items, list):
        return [ConfigProblem(field, "must be a list")]
    return [
        ConfigProblem(f"{field}[{index}]", "is empty")
        for index, item in enumerate(items)
        if item is None
    ]
