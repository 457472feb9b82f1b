"""How `Checkpoint`'s constructor turns what it was given into typed fields, collecting every
problem instead of stopping at the first.

Each ``parse_*`` function takes the raw value and a list to append `ConfigProblem`s to, and
returns the typed value (a default when the raw one is unusable, so parsing carries on).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import JsonValue, TypeAdapter, ValidationError

from shared.async_base.protocols import AsyncExecutable, SyncExecutable
from shared.async_base.strategies import ExecutionStrategy
from shared.async_base.trigger import AsyncBaseTrigger
from shared.errors import SpecError
from shared.problems import ConfigProblem, problems_of
from shared.registry import Registry
from shared.sources import SourceValue, is_frame
from shared.specs import ACTIONS, STRATEGIES, TRIGGERS, build_component
from shared.validators.base import Validator
from shared.validators.entries import build_validator

#: What a checkpoint's actions are: awaitable actions, or blocking ones run in a thread.
Action = AsyncExecutable | SyncExecutable

E = TypeVar("E", bound=StrEnum)

#: Keys of the result metadata that checkfleet fills; user metadata may not use them.
RESERVED_METADATA_KEYS = ("tags", "context")
_JSON_MAP: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])


def parse_name(value: object, problems: list[ConfigProblem]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(ConfigProblem("name", "must be a non-empty string"))
        return value if isinstance(value, str) else repr(value)
    return value


def parse_data_source(value: object, problems: list[ConfigProblem]) -> SourceValue:
    """A path, glob or URL string, a map (its fields are judged by ``validate()``, through
    `shared.sources.source_problems`), or an in-memory polars frame."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)  # type: ignore[no-any-return]
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str) and not is_frame(value):
        problems.append(
            ConfigProblem(
                "data_source",
                "must be a path, glob or URL, a map with 'uri', or (in-process) a polars frame",
            )
        )
        return ""
    return value


def parse_choice(value: object, choices: type[E], field: str, problems: list[ConfigProblem]) -> E:
    try:
        if isinstance(value, str):
            return choices(value)
    except ValueError:
        pass
    known = ", ".join(member.value for member in choices)
    problems.append(ConfigProblem(field, f"must be one of: {known}"))
    return next(iter(choices))


def parse_bool(value: object, field: str, problems: list[ConfigProblem]) -> bool:
    if not isinstance(value, bool):
        problems.append(ConfigProblem(field, "must be true or false"))
        return False
    return value


def parse_timeout(value: object, problems: list[ConfigProblem]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        problems.append(ConfigProblem("timeout_s", "must be a positive number of seconds"))
        return None
    return float(value)


def parse_limit(value: object, problems: list[ConfigProblem]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append(ConfigProblem("catch_up_limit", "must be a whole number of at least 1"))
        return 1
    return value


def parse_tags(value: object, problems: list[ConfigProblem]) -> dict[str, str]:
    """A map of tag name to value (the reference's form); a list of names is accepted as
    names with empty values."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        if all(isinstance(key, str) and isinstance(item, str) for key, item in value.items()):
            return dict(value)
    elif isinstance(value, (list, tuple)) and all(isinstance(tag, str) for tag in value):
        return dict.fromkeys(value, "")
    problems.append(
        ConfigProblem("tags", "must be a map of tag names to string values (or a list of names)")
    )
    return {}


def parse_metadata(value: object, problems: list[ConfigProblem]) -> dict[str, JsonValue]:
    if value is None:
        return {}
    try:
        metadata = _JSON_MAP.validate_python(value)
    except ValidationError:
        problems.append(ConfigProblem("metadata", "must be a map of plain JSON-like values"))
        metadata = {}
        value = value if isinstance(value, Mapping) else {}
    for key in RESERVED_METADATA_KEYS:
        if key in value:  # type: ignore[operator]
            problems.append(
                ConfigProblem(f"metadata.{key}", "is reserved: checkfleet fills it in results")
            )
    return metadata


def parse_validators(
    entries: object, validator_config: object, problems: list[ConfigProblem]
) -> list[Validator[Any]]:
    """Validator instances from names, ``{"type", "config"}`` maps or instances; a name takes
    its config from ``validator_config[name]``, which must configure a listed name."""
    if not isinstance(validator_config, Mapping):
        problems.append(ConfigProblem("validator_config", "must be a map of name to config"))
        validator_config = {}
    if entries is None:
        entries = []
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Sequence):
        problems.append(ConfigProblem("validators", "must be a list of validators"))
        return []
    built: list[Validator[Any]] = []
    for index, entry in enumerate(entries):
        try:
            built.append(build_validator(entry, validator_config, path=f"validators[{index}]"))
        except SpecError as exc:
            problems.extend(problems_of(exc))
    used = {entry for entry in entries if isinstance(entry, str)}
    for name in validator_config:
        if name not in used:
            problems.append(
                ConfigProblem(
                    f"validator_config.{name}",
                    f"no validator is listed by the name {name!r}, so this config is unused",
                )
            )
    return built


def parse_actions(items: object, problems: list[ConfigProblem]) -> list[Action]:
    """Action objects, or spec maps / type names of registered actions, built here."""
    kinds = (AsyncExecutable, SyncExecutable)
    return _components("actions", items, ACTIONS, kinds, "an action", "execute_async()", problems)


def parse_triggers(items: object, problems: list[ConfigProblem]) -> list[AsyncBaseTrigger[Any]]:
    """Trigger objects, or spec maps / type names of registered triggers, built here. A
    trigger's name keys its job ids, last tick and consumer group: it must be unique."""
    triggers: list[AsyncBaseTrigger[Any]] = _components(
        "triggers",
        items,
        TRIGGERS,
        (AsyncBaseTrigger,),
        "a trigger",
        "should_trigger_async()",
        problems,
    )
    seen: dict[str, int] = {}
    for index, trigger in enumerate(triggers):
        if trigger.name in seen:
            problems.append(
                ConfigProblem(
                    f"triggers[{index}].name",
                    f"{trigger.name!r} duplicates the name of triggers[{seen[trigger.name]}]; "
                    "give each trigger of a checkpoint its own name",
                )
            )
        else:
            seen[trigger.name] = index
    return triggers


def _components(
    field: str,
    items: object,
    registry: Registry[type[Any]],
    kinds: tuple[type, ...],
    what: str,
    method: str,
    problems: list[ConfigProblem],
) -> list[Any]:
    """Objects of `kinds` as given, spec maps and type names built from `registry`."""
    built: list[Any] = []
    for index, item in enumerate(_listed(field, items, problems)):
        path = f"{field}[{index}]"
        if isinstance(item, kinds):
            built.append(item)
        elif isinstance(item, (str, Mapping)):
            try:
                built.append(build_component(registry, item, path=path))
            except SpecError as exc:
                problems.extend(problems_of(exc))
        else:
            problems.append(ConfigProblem(path, _not_a(what, item, method)))
    return built


def parse_strategy(value: object, problems: list[ConfigProblem]) -> ExecutionStrategy:
    """A strategy object, or its name or spec map."""
    if isinstance(value, ExecutionStrategy):
        return value
    try:
        strategy: ExecutionStrategy = build_component(STRATEGIES, value, path="strategy")
        return strategy
    except SpecError as exc:
        problems.extend(problems_of(exc))
        return STRATEGIES.get("concurrent")()  # type: ignore[no-any-return]


def _listed(field: str, items: object, problems: list[ConfigProblem]) -> Sequence[object]:
    if items is None:
        return []
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        problems.append(ConfigProblem(field, "must be a list"))
        return []
    return items


def _not_a(what: str, item: object, method: str) -> str:
    if item is None:
        return "is empty"
    return (
        f"expected {what} (an object with {method}, or a spec map with 'type'),"
        f" got {type(item).__name__}"
    )
