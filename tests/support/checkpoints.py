"""Helpers for checkpoint and validation tests: data files and one-validator runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from shared.checkpoint import Checkpoint
from shared.models import CheckpointResult


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
