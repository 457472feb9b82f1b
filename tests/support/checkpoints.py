"""Helpers for checkpoint and validation tests: data files, a read-counting source and
one-validator runs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from polars.io.plugins import register_io_source

from shared.checkpoint import Checkpoint
from shared.errors import SpecError
from shared.models import CheckpointResult, CheckpointStatus
from shared.sources import READERS


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


def config_error(validator: str | Mapping[str, Any], directory: Path, frame: pl.DataFrame) -> str:
    """Why a checkpoint with this one validator is refused: the `SpecError` of its
    construction, or (for a config that does not fit the data) its run's `error`."""
    source = write_frame(directory, frame, "parquet")
    try:
        checkpoint = Checkpoint("test", source, validators=[validator])
    except SpecError as exc:
        return str(exc)
    result = checkpoint.run(run_id="run-1")
    assert result.status is CheckpointStatus.ERROR, result.summary()
    assert result.error is not None and "checkpoint 'test'" in result.error
    return result.error


@contextmanager
def counting_source(scheme: str, frame: pl.DataFrame) -> Iterator[list[list[str] | None]]:
    """Registers ``scheme://`` as a Python source serving `frame`; yields the list of reads
    (the columns each read asked for), so a test can count how often the data was read."""
    reads: list[list[str] | None] = []

    def batches(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        reads.append(with_columns)
        # A plugin applies what polars pushes down to it: polars does not filter again.
        served = frame if predicate is None else frame.filter(predicate)
        served = served if n_rows is None else served.head(n_rows)
        yield served if with_columns is None else served.select(with_columns)

    READERS.add(scheme, lambda location: register_io_source(batches, schema=frame.schema))
    try:
        yield reads
    finally:
        READERS.remove(scheme)
