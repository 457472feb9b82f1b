"""Helpers for checkpoint and validation tests: stand-in strategies, data files, one-validator
runs. Real strategies arrive from another branch; until then a checkpoint's default strategy
needs a registered stand-in to validate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointResult
from shared.specs import STRATEGIES

STRATEGY_NAMES = ("sequential", "concurrent", "pipeline")


class StandInStrategy:
    """A strategy that only carries its spec."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> StandInStrategy:
        unknown = set(spec) - {"stages", "max_concurrency", "cancel_on_first_error"}
        if unknown:
            from shared.errors import ConfigError

            raise ConfigError(f"unknown field {sorted(unknown)[0]!r}")
        return cls(spec)

    def to_spec(self) -> dict[str, Any]:
        return {"type": "concurrent", **self.config}


@pytest.fixture
def stand_in_strategies() -> Iterator[None]:
    """Registers the stand-in under each strategy name not yet registered; removes it after."""
    added = [name for name in STRATEGY_NAMES if name not in STRATEGIES]
    for name in added:
        STRATEGIES.add(name, StandInStrategy)
    yield
    for name in added:
        STRATEGIES.remove(name)


def write_frame(directory: Path, frame: pl.DataFrame, fmt: str = "csv", stem: str = "data") -> str:
    """`frame` written to ``directory/stem.fmt``; its path as a string."""
    path = directory / f"{stem}.{fmt}"
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "tsv":
        frame.write_csv(path, separator="\t")
    elif fmt == "parquet":
        frame.write_parquet(path)
    elif fmt == "ndjson":
        frame.write_ndjson(path)
    else:
        raise ValueError(fmt)
    return str(path)


def run_one(
    directory: Path,
    frame: pl.DataFrame,
    validator: str | Mapping[str, Any],
    *,
    fmt: str = "parquet",
    **checkpoint_fields: Any,
) -> CheckpointResult:
    """Run a checkpoint with one validator over `frame`."""
    source = write_frame(directory, frame, fmt)
    checkpoint = Checkpoint("test", source, validators=[validator], **checkpoint_fields)
    return checkpoint.run(run_id="run-1")
