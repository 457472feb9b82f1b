"""How components (actions, triggers, strategies) travel inside a checkpoint spec.

A component appears in a spec as a flat map: its registered type name under ``type`` and its
config fields beside it, e.g. ``{"type": "webhook", "url": "${HOOK}", "notify_on": "failure"}``.
A class joins by registering in the family's registry below and implementing `SpecComponent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

from shared.errors import ConfigError, SpecError
from shared.registry import Registry

TYPE_FIELD = "type"


@runtime_checkable
class SpecComponent(Protocol):
    """Something that can be written to a spec and built back from it."""

    def to_spec(self) -> dict[str, Any]:
        """Plain data with the registered type name under ``type``."""
        ...

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Self:
        """An instance from a spec's config fields (``type`` already removed)."""
        ...


#: Action classes by ``action_type`` (filled by `shared.async_base.AsyncBaseAction` subclasses).
ACTIONS: Registry[type[Any]] = Registry("action type")
#: Trigger classes by ``trigger_type`` (filled by `AsyncBaseTrigger` subclasses).
TRIGGERS: Registry[type[Any]] = Registry("trigger type")
#: Execution strategy classes by name (``sequential``, ``concurrent``, ``pipeline``).
STRATEGIES: Registry[type[Any]] = Registry("strategy")

T = TypeVar("T")


def build_component(registry: Registry[type[T]], spec: Any, *, path: str) -> T:
    """The component a spec describes. Every problem is a `SpecError` located at `path`."""
    if isinstance(spec, str):  # a bare type name: the component with its default config
        spec = {TYPE_FIELD: spec}
    if not isinstance(spec, Mapping):
        raise SpecError(f"expected a map with a {TYPE_FIELD!r} field", path=path)
    type_name = spec.get(TYPE_FIELD)
    if not isinstance(type_name, str):
        raise SpecError(f"missing {TYPE_FIELD!r} naming the {registry.kind}", path=path)
    cls = registry.get(type_name, path=f"{path}.{TYPE_FIELD}")
    config = {key: value for key, value in spec.items() if key != TYPE_FIELD}
    try:
        component: T = cls.from_spec(config)  # type: ignore[attr-defined]
    except SpecError as exc:
        raise SpecError(str(exc), path=path) from exc
    except ConfigError as exc:
        raise SpecError(str(exc), path=path) from exc
    return component


def component_spec(component: object, *, path: str) -> dict[str, Any]:
    """The spec of `component`; `SpecError` when it cannot travel (a local callable, say)."""
    if not isinstance(component, SpecComponent):
        raise SpecError(
            f"{type(component).__name__} has no spec form, so it cannot be sent to a worker",
            path=path,
        )
    try:
        return component.to_spec()
    except SpecError as exc:
        if exc.path:
            raise
        raise SpecError(str(exc), path=path) from exc
