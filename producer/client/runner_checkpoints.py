"""`RunnerCheckpoints`: the checkpoints registered with one runner, by name, and how an
on-demand target (object, runner name, process name) becomes what the backend runs."""

from __future__ import annotations

from collections.abc import Iterator

from producer.client.registry import lookup_checkpoint
from shared.checkpoint import Checkpoint
from shared.errors import ConfigError


class RunnerCheckpoints:
    """Registered checkpoints in registration order; one object per name."""

    def __init__(self) -> None:
        self._by_name: dict[str, Checkpoint] = {}

    def add(self, checkpoint: Checkpoint, *, travels_as_spec: bool) -> None:
        """Register `checkpoint` (again: a no-op); another one of its name is a `ConfigError`.
        With `travels_as_spec` (a fleet backend runs its firings) a checkpoint with triggers
        must turn into a spec: a `SpecError` now rather than at every firing."""
        known = self._by_name.get(checkpoint.name)
        if known is not None and known is not checkpoint:
            raise ConfigError(f"a checkpoint named {checkpoint.name!r} is already registered")
        if checkpoint.triggers and travels_as_spec:
            checkpoint.to_spec()
        self._by_name[checkpoint.name] = checkpoint

    def remove(self, checkpoint: Checkpoint | str) -> Checkpoint | None:
        name = checkpoint if isinstance(checkpoint, str) else checkpoint.name
        return self._by_name.pop(name, None)

    def get(self, name: str) -> Checkpoint | None:
        return self._by_name.get(name)

    def resolve(self, target: Checkpoint | str) -> Checkpoint | str:
        """An object as it is; a name registered here, then in this process, as its
        checkpoint; any other name as it is (the fleet's workers may know it)."""
        if isinstance(target, Checkpoint):
            return target
        return self._by_name.get(target) or lookup_checkpoint(target) or target

    def __iter__(self) -> Iterator[Checkpoint]:
        return iter(list(self._by_name.values()))

    def __len__(self) -> int:
        return len(self._by_name)
