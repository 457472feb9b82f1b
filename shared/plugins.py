"""`import_plugins`: the modules of ``CHECKFLEET_PLUGINS``, imported by every entry point.

A plugin module registers custom validators, data readers, actions or triggers when imported
(the built-in ones register when `shared.checkpoint` is imported). Workers, schedulers and the
CLI's in-process commands (`checkfleet run`, `checkfleet validate`) all import them first, so a
definition naming a plugin's type means the same everywhere.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from shared.errors import ConfigError


def import_plugins(modules: Iterable[str]) -> None:
    """Import each module; `ConfigError` naming the one that failed and why."""
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # a plugin failing at import is a configuration problem
            raise ConfigError(f"CHECKFLEET_PLUGINS: cannot import {module!r}: {exc}") from None
