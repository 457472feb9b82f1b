"""The built-in readers: CSV, TSV, Parquet and NDJSON files, one path or a glob, scanned lazily."""

from __future__ import annotations

import glob
import os
from functools import lru_cache
from pathlib import Path

import polars as pl

from shared.errors import SourceError
from shared.sources.base import READERS

#: Rows read to infer CSV column types: enough to see past a leading run of nulls.
CSV_INFER_SCHEMA_ROWS = 10_000
#: Rows probed for date and datetime columns (the probe's cost grows quickly with its size).
CSV_DATE_PROBE_ROWS = 1_000

#: Bytes of CSV text polars reads and parses at a time. Polars 2.1 defaults to 32 MiB per
#: chunk, four chunks ahead, and a local CSV scan then held about the file's size in memory
#: (1.4 GB for a 730 MB file); with 1 MiB chunks it holds ~25 MB whatever the file's size.
CSV_CHUNK_BYTES = 1 << 20
#: The polars setting for it, read when a scan starts. A value set by the user wins.
CSV_CHUNK_ENV = "POLARS_CSV_CHUNK_SIZE"

_FILE_SCHEME = "file://"

# Set once at import, not per scan: changing the environment while polars threads read it
# is not thread-safe.
os.environ.setdefault(CSV_CHUNK_ENV, str(CSV_CHUNK_BYTES))


def local_path(location: str) -> str:
    """`location` as a local path or glob for polars; `SourceError` when no file matches it.
    An existing file is read as itself even when its name looks like a pattern."""
    path = location[len(_FILE_SCHEME) :] if location.startswith(_FILE_SCHEME) else location
    if "://" in path:  # a remote URL: polars checks it when it scans
        return path
    if Path(path).is_file():
        # A file whose name has glob characters (``[red]/data[1].csv``) is that file: escaped,
        # since polars expands patterns in every path it is given.
        return glob.escape(path) if glob.has_magic(path) else path
    if glob.has_magic(path):
        if not glob.glob(path):
            raise SourceError(location, "no file matches the pattern")
    else:
        raise SourceError(location, "file not found")
    return path


def temporal_columns(path: str, separator: str) -> dict[str, pl.DataType]:
    """The columns whose first rows read as dates or datetimes, with their type.

    ``try_parse_dates`` on the full scan tries every text column on every row, which costs
    several times the scan; probing the first rows and naming the temporal columns does not.
    """
    probe = pl.scan_csv(
        path,
        separator=separator,
        try_parse_dates=True,
        n_rows=CSV_DATE_PROBE_ROWS,
        infer_schema_length=CSV_DATE_PROBE_ROWS,
    )
    return {name: dtype for name, dtype in probe.collect_schema().items() if dtype.is_temporal()}


def scan_delimited(location: str, separator: str) -> pl.LazyFrame:
    """A CSV-like file: types inferred from the first rows, date columns parsed as such.

    The scan of one local file is kept while the file is unchanged (same inode, size and
    modification time) and reused: a scan reads the data afresh at every collect, but its date
    probe and schema inference are done once, which is a third of a small file's run.
    """
    path = local_path(location)
    try:
        stat = os.stat(path)
    except OSError:  # a glob or a URL
        return _scan_delimited(path, separator)
    return _cached_scan(path, separator, stat.st_ino, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=256)
def _cached_scan(path: str, separator: str, inode: int, size: int, mtime_ns: int) -> pl.LazyFrame:
    frame = _scan_delimited(path, separator)
    frame.collect_schema()  # inferred once here, remembered by the frame
    return frame


def _scan_delimited(path: str, separator: str) -> pl.LazyFrame:
    return pl.scan_csv(
        path,
        separator=separator,
        infer_schema_length=CSV_INFER_SCHEMA_ROWS,
        schema_overrides=temporal_columns(path, separator),
    )


def scan_csv(location: str) -> pl.LazyFrame:
    return scan_delimited(location, ",")


def scan_tsv(location: str) -> pl.LazyFrame:
    return scan_delimited(location, "\t")


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
