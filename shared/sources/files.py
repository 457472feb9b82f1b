"""The built-in readers: CSV, TSV, Parquet and NDJSON files, one path or a glob, scanned lazily."""

from __future__ import annotations

import glob
from pathlib import Path

import polars as pl

from shared.errors import SourceError
from shared.sources.base import READERS

#: Rows read to infer CSV column types: enough to see past a leading run of nulls.
CSV_INFER_SCHEMA_ROWS = 10_000

_FILE_SCHEME = "file://"


def local_path(location: str) -> str:
    """`location` as a local path or glob; `SourceError` when no file matches it."""
    path = location[len(_FILE_SCHEME) :] if location.startswith(_FILE_SCHEME) else location
    if "://" in path:  # a remote URL: polars checks it when it scans
        return path
    if glob.has_magic(path):
        if not glob.glob(path):
            raise SourceError(location, "no file matches the pattern")
    elif not Path(path).is_file():
        raise SourceError(location, "file not found")
    return path


def scan_csv(location: str) -> pl.LazyFrame:
    return pl.scan_csv(
        local_path(location), try_parse_dates=True, infer_schema_length=CSV_INFER_SCHEMA_ROWS
    )


def scan_tsv(location: str) -> pl.LazyFrame:
    return pl.scan_csv(
        local_path(location),
        separator="\t",
        try_parse_dates=True,
        infer_schema_length=CSV_INFER_SCHEMA_ROWS,
    )


def scan_parquet(location: str) -> pl.LazyFrame:
    return pl.scan_parquet(local_path(location))


def scan_ndjson(location: str) -> pl.LazyFrame:
    return pl.scan_ndjson(local_path(location), infer_schema_length=CSV_INFER_SCHEMA_ROWS)


READERS.add("csv", scan_csv)
READERS.add("tsv", scan_tsv)
READERS.add("parquet", scan_parquet)
READERS.add("pq", scan_parquet)
READERS.add("ndjson", scan_ndjson)
READERS.add("jsonl", scan_ndjson)
