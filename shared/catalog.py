"""The checkpoints a process knows by name, and how a run request finds its checkpoint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.checkpoint import Checkpoint
from shared.definitions import load_checkpoints
from shared.errors import ConfigError, UnknownCheckpointError
from shared.job import RunRequest


class CheckpointCatalog:
    """Checkpoints by name. Inline specs in requests need no entry here."""

    def __init__(self, checkpoints: Iterable[Checkpoint] = ()) -> None:
        self._checkpoints: dict[str, Checkpoint] = {}
        for checkpoint in checkpoints:
            self.add(checkpoint)

    @classmethod
    def from_location(
        cls, location: str | None, environ: Mapping[str, str] | None = None
    ) -> CheckpointCatalog:
        """The checkpoints defined at `location` (CHECKFLEET_CHECKPOINTS); empty when None."""
        return cls(load_checkpoints(location, environ) if location else ())

    def add(self, checkpoint: Checkpoint) -> None:
        if checkpoint.name in self._checkpoints:
            raise ConfigError(f"checkpoint {checkpoint.name!r} is defined twice")
        self._checkpoints[checkpoint.name] = checkpoint

    def remove(self, name: str) -> Checkpoint | None:
        return self._checkpoints.pop(name, None)

    def get(self, name: str) -> Checkpoint:
        try:
            return self._checkpoints[name]
        except KeyError:
            raise UnknownCheckpointError(name, self._checkpoints) from None

    def names(self) -> list[str]:
        return sorted(self._checkpoints)

    def __contains__(self, name: object) -> bool:
        return name in self._checkpoints

    def __len__(self) -> int:
        return len(self._checkpoints)

    def __iter__(self) -> Any:
        return iter(self._checkpoints.values())

    def resolve(self, request: RunRequest) -> Checkpoint:
        """The checkpoint a request names or carries; `SpecError` when there is none."""
        if isinstance(request.checkpoint, str):
            return self.get(request.checkpoint)
        return Checkpoint.from_spec(request.checkpoint)
