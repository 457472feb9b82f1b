"""The checkpoints this process knows by name, for ``run_checkpoint_async("name")`` and the
local backend. A name not registered here still travels to the fleet, whose workers may know
it (CHECKFLEET_CHECKPOINTS)."""

from __future__ import annotations

from shared.catalog import CheckpointCatalog
from shared.checkpoint import Checkpoint

_CATALOG = CheckpointCatalog()


def register_checkpoint(checkpoint: Checkpoint) -> None:
    """Make `checkpoint` known by its name; a second one of that name replaces it."""
    _CATALOG.remove(checkpoint.name)
    _CATALOG.add(checkpoint)


def unregister_checkpoint(name: str) -> Checkpoint | None:
    return _CATALOG.remove(name)


def checkpoint_catalog() -> CheckpointCatalog:
    """The process's catalog (shared, live)."""
    return _CATALOG


def lookup_checkpoint(name: str) -> Checkpoint | None:
    return _CATALOG.get(name) if name in _CATALOG else None
