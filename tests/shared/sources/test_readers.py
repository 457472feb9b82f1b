from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from shared.errors import SourceError, SpecError, UnknownTypeError
from shared.sources import READERS, open_source, resolve_reader, source_key
from shared.sources.files import CSV_CHUNK_BYTES, CSV_CHUNK_ENV
from tests.support.checkpoints import write_frame

FRAME = pl.DataFrame(
    {"id": [1, 2], "name": ["a", "b"], "ts": [datetime(2024, 1, 1), datetime(2024, 1, 2, 3)]}
)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "ndjson"])
def test_each_format_reads_lazily_with_types(tmp_path: Path, fmt: str) -> None:
    frame = open_source(write_frame(tmp_path, FRAME, fmt))
    assert isinstance(frame, pl.LazyFrame)
    assert frame.collect_schema()["id"] == pl.Int64
    if fmt == "ndjson":  # NDJSON carries timestamps as text
        assert frame.collect()["name"].to_list() == ["a", "b"]
    else:
        assert frame.collect().equals(FRAME)


def test_file_scheme_and_upper_case_suffix(tmp_path: Path) -> None:
    path = tmp_path / "DATA.CSV"
    FRAME.write_csv(path)
    assert open_source(f"file://{path}").collect().height == 2


@pytest.mark.parametrize(
    ("location", "key"),
    [
        ("data.csv", "csv"),
        ("dir/*.parquet", "parquet"),
        ("s3://bucket/x.pq", "pq"),
        ("x.jsonl?version=2", "jsonl"),
    ],
)
def test_source_key(location: str, key: str) -> None:
    assert source_key(location) == key


def test_a_registered_scheme_wins_over_the_suffix() -> None:
    READERS.add("memory", lambda location: FRAME.lazy())
    try:
        assert source_key("memory://table.csv") == "memory"
        assert open_source("memory://table.csv").collect().height == 2
    finally:
        READERS.remove("memory")


def test_unknown_suffix_lists_known_readers() -> None:
    with pytest.raises(UnknownTypeError, match="unknown data reader 'xlsx'; known: csv"):
        resolve_reader("book.xlsx")


@pytest.mark.parametrize("location", ["", "  ", "no_suffix"])
def test_location_without_format(location: str) -> None:
    with pytest.raises(SpecError):
        resolve_reader(location)


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        open_source(str(tmp_path / "x.parquet"))


@pytest.mark.parametrize(("given", "expected"), [(None, str(CSV_CHUNK_BYTES)), ("65536", "65536")])
def test_csv_chunk_size_defaults_without_overriding_the_user(
    given: str | None, expected: str
) -> None:
    env = {key: value for key, value in os.environ.items() if key != CSV_CHUNK_ENV}
    if given is not None:
        env[CSV_CHUNK_ENV] = given
    script = f"import os, shared.sources; print(os.environ[{CSV_CHUNK_ENV!r}])"
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert output.strip() == expected


def test_csv_larger_than_a_chunk_reads_every_row(tmp_path: Path) -> None:
    rows = 120_000  # ~3 MB: several chunks of CSV_CHUNK_BYTES
    frame = pl.DataFrame({"id": range(rows), "text": [f"value number {i}" for i in range(rows)]})
    source = write_frame(tmp_path, frame, "csv")
    assert Path(source).stat().st_size > 2 * CSV_CHUNK_BYTES
    read = open_source(source).select(pl.len(), pl.col("id").sum()).collect(engine="streaming")
    assert read.row(0) == (rows, rows * (rows - 1) // 2)
