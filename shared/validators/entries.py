"""How a checkpoint lists its validators, and how those entries become validator instances.

An entry is a registered name (``"null"``, configured by the checkpoint's
``validator_config[name]`` if present), a map ``{"type": name, "config": {...}}``, or a
`Validator` instance. In a spec every entry is a name or a map.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.errors import SpecError
from shared.problems import ConfigProblem, join_path, problems_of, raise_problems
from shared.validators.base import VALIDATORS, Validator

ValidatorEntry = str | Mapping[str, Any] | Validator[Any]

_ENTRY_KEYS = ("type", "config")


def entry_spec(entry: ValidatorEntry) -> str | dict[str, Any]:
    """The plain-data form of an entry (a name, or ``{"type", "config"}``)."""
    if isinstance(entry, Validator):
        spec = entry.to_spec()
        return spec if "config" in spec else entry.name
    if isinstance(entry, str):
        return entry
    return {key: value for key, value in dict(entry).items()}


def entry_name(entry: object) -> str | None:
    """The validator name an entry refers to, if it names one."""
    if isinstance(entry, Validator):
        return entry.name
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping) and isinstance(entry.get("type"), str):
        return str(entry["type"])
    return None


def build_validator(
    entry: object, validator_config: Mapping[str, Any], *, path: str
) -> Validator[Any]:
    """A fresh validator for `entry`; `SpecError` located under `path` when it cannot be built."""
    if isinstance(entry, Validator):
        entry = entry.to_spec()
    if isinstance(entry, str):
        cls = VALIDATORS.get(entry, path=path)
        config = validator_config.get(entry, {})
        config_path = f"validator_config.{entry}"
    elif isinstance(entry, Mapping):
        unknown = [key for key in entry if key not in _ENTRY_KEYS]
        if unknown:
            raise SpecError(
                f"unknown key {unknown[0]!r}; a validator map has 'type' and 'config'", path=path
            )
        name = entry.get("type")
        if not isinstance(name, str):
            raise SpecError("missing 'type' naming the validator", path=path)
        cls = VALIDATORS.get(name, path=f"{path}.type")
        config = entry.get("config", {})
        config_path = path
    else:
        raise SpecError(
            f"expected a validator name or a map with 'type', got {type(entry).__name__}",
            path=path,
        )
    if not isinstance(config, Mapping):
        raise SpecError("config must be a map", path=join_path(config_path, "config"))
    try:
        return cls(dict(config))
    except SpecError as exc:
        # Problems come located at ``config.<field>``; place them where the user wrote them.
        relocated = []
        for problem in problems_of(exc):
            inner = problem.path
            if isinstance(entry, str) and (inner == "config" or inner.startswith("config.")):
                inner = inner[len("config") :].lstrip(".")
            relocated.append(ConfigProblem(join_path(config_path, inner), problem.message))
        raise_problems(relocated)
        raise  # unreachable: raise_problems raised
