"""The config mechanism shared by actions and triggers.

A component is generic over a pydantic config model. It is built from a config object, from
keyword arguments (``SlackNotification(webhook_url=...)``, as the seed page does), or both: the
keywords override the config's fields. An unknown keyword or a bad value is a `ConfigError`
naming the component and the field, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from shared.errors import ConfigError
from shared.specs import TYPE_FIELD


class ComponentConfig(BaseModel):
    """Base of every action and trigger config: strict about unknown fields.

    `field_aliases` maps other spellings of a field (the reference framework's constructor
    names, e.g. ``store_path``) to ours; giving both with different values is an error.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)

    field_aliases: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _rename_aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not cls.field_aliases:
            return data
        return rename_aliases(data, cls.field_aliases)


def rename_aliases(data: dict[str, Any], aliases: Mapping[str, str]) -> dict[str, Any]:
    """`data` with alias keys renamed; `ValueError` when both spellings differ."""
    renamed = dict(data)
    for alias, field in aliases.items():
        if alias not in renamed:
            continue
        value = renamed.pop(alias)
        if field in renamed and renamed[field] != value:
            raise ValueError(f"give {field} or its alias {alias}, not both")
        renamed[field] = value
    return renamed


ConfigT = TypeVar("ConfigT", bound=ComponentConfig)


def describe_validation_error(owner: str, error: ValidationError) -> str:
    """One line per problem, each naming the field: ``webhook: timeout_s: must be > 0``."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "config"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(f"{owner}: {field}: {message}")
    return "; ".join(problems)


class Configurable(Generic[ConfigT]):
    """A component holding a validated config of type `ConfigT`."""

    #: The registered type name; subclasses set it (``action_type`` / ``trigger_type`` alias it).
    type_name: ClassVar[str] = ""

    def __init__(self, config: ConfigT | None = None, /, **overrides: Any) -> None:
        base = config if config is not None else self._default_config()
        if overrides:
            merged = {**base.model_dump(exclude_unset=True), **overrides}
            base = self._validate_config(type(base), merged)
        self._config: ConfigT = base

    @classmethod
    def _default_config(cls) -> ConfigT:
        """The config used when none is given; subclasses with their own config override it."""
        raise NotImplementedError(f"{cls.__name__} must implement _default_config()")

    @classmethod
    def _validate_config(cls, model: type[ConfigT], data: Mapping[str, Any]) -> ConfigT:
        try:
            return model.model_validate(dict(data))
        except ValidationError as exc:
            owner = cls.type_name or cls.__name__
            raise ConfigError(describe_validation_error(owner, exc)) from None

    @property
    def config(self) -> ConfigT:
        return self._config

    def to_spec(self) -> dict[str, Any]:
        """``{"type": type_name, **fields}``: only fields that differ from the defaults."""
        fields = self._config.model_dump(mode="json", exclude_defaults=True)
        return {TYPE_FIELD: self.type_name, **fields}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Self:
        return cls(**dict(spec))
