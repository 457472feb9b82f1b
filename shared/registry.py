"""A registry of named types: how users extend checkfleet's families (validators, readers,
actions, triggers) and how a spec names a class that a worker must construct.

Each family keeps its own `Registry` instance in its subpackage. An unknown name raises one
clear `UnknownTypeError` that lists the known names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from shared.errors import ConfigError, UnknownTypeError

T = TypeVar("T")


class Registry(Generic[T]):
    """Names to entries (usually classes) of one family, e.g. ``Registry[type[Validator]]``."""

    def __init__(self, kind: str) -> None:
        #: What the entries are, for messages: "validator", "action type", ...
        self.kind = kind
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T, *, replace: bool = False) -> None:
        """Register `entry` as `name`; a second entry for a name is a mistake unless `replace`."""
        if not name:
            raise ConfigError(f"a {self.kind} needs a non-empty name")
        existing = self._entries.get(name)
        if existing is not None and existing is not entry and not replace:
            raise ConfigError(f"{self.kind} {name!r} is already registered to {existing!r}")
        self._entries[name] = entry

    def register(self, name: str, *, replace: bool = False) -> Callable[[T], T]:
        """Decorator form of `add`."""

        def decorate(entry: T) -> T:
            self.add(name, entry, replace=replace)
            return entry

        return decorate

    def get(self, name: str, *, path: str | None = None) -> T:
        """The entry for `name`; `UnknownTypeError` (listing known names) when there is none."""
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownTypeError(self.kind, name, self._entries, path=path) from None

    def remove(self, name: str) -> None:
        self._entries.pop(name, None)

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
