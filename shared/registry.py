"""A registry of named types: how users extend checkfleet's families (validators, actions,
triggers, strategies, readers) and how a spec names a class that a worker must construct.

Each family keeps its own `Registry` instance. Classes of the four extensible families join the
same way: a subclass of the family's base that sets its type name (``name`` on a validator,
``action_type``, ``trigger_type``, ``strategy_type``) registers itself when it is defined
(`Registry.register_subclass`, called from the base's ``__init_subclass__``). A second class
under a name already taken is a `ConfigError`, not a silent replacement; defining the same
class again (its module re-imported) replaces it. ``register`` / ``get`` / ``clear`` are the
manual API, as the reference framework has them. An unknown name raises one clear
`UnknownTypeError` that lists the known names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

from shared.errors import ConfigError, UnknownTypeError

T = TypeVar("T")


def _same_definition(first: object, second: object) -> bool:
    """Whether two entries are one class defined twice (a re-imported or reloaded module)."""
    return (
        isinstance(first, type)
        and isinstance(second, type)
        and first.__module__ == second.__module__
        and first.__qualname__ == second.__qualname__
    )


class Registry(Generic[T]):
    """Names to entries (usually classes) of one family, e.g. ``Registry[type[Validator]]``."""

    def __init__(self, kind: str) -> None:
        #: What the entries are, for messages: "validator", "action type", ...
        self.kind = kind
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T, *, replace: bool = False) -> None:
        """Register `entry` as `name`; another entry for a taken name is a `ConfigError`
        unless `replace` (tests swapping an implementation) or it is the same class again."""
        if not name or not isinstance(name, str):
            raise ConfigError(f"a {self.kind} needs a non-empty name")
        existing = self._entries.get(name)
        if (
            existing is not None
            and existing is not entry
            and not replace
            and not _same_definition(existing, entry)
        ):
            raise ConfigError(
                f"{self.kind} {name!r} is already registered to {_label(existing)}; "
                f"{_label(entry)} needs another name"
            )
        self._entries[name] = entry

    @overload
    def register(self, name: str, entry: T, *, replace: bool = False) -> T: ...

    @overload
    def register(
        self, name: str, entry: None = None, *, replace: bool = False
    ) -> Callable[[T], T]: ...

    def register(
        self, name: str, entry: T | None = None, *, replace: bool = False
    ) -> T | Callable[[T], T]:
        """``register(name, entry)`` adds `entry` and returns it; ``register(name)`` is the
        decorator form."""
        if entry is not None:
            self.add(name, entry, replace=replace)
            return entry

        def decorate(decorated: T) -> T:
            self.add(name, decorated, replace=replace)
            return decorated

        return decorate

    def register_subclass(self, cls: T, attribute: str) -> None:
        """Register `cls` under its own (not inherited) `attribute`, when it sets one: what
        each family base calls from ``__init_subclass__``."""
        name = vars(cls).get(attribute)
        if isinstance(name, str) and name:
            self.add(name, cls)

    def get(self, name: str, *, path: str | None = None) -> T:
        """The entry for `name`; `UnknownTypeError` (listing known names) when there is none."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise UnknownTypeError(self.kind, str(name), self._entries, path=path) from None

    def remove(self, name: str) -> None:
        """Forget `name` (nothing when it is not registered)."""
        self._entries.pop(name, None)

    def clear(self) -> None:
        """Forget every entry, built-in ones included (for tests of a scratch registry)."""
        self._entries.clear()

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"


def _label(entry: Any) -> str:
    if isinstance(entry, type):
        return f"{entry.__module__}.{entry.__qualname__}"
    return repr(entry)
