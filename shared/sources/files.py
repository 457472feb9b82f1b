"""The built-in file readers: CSV, TSV, Parquet and NDJSON, scanned lazily.

A local path or glob is checked first (the error for a missing file names the absolute path and
the host that looked); object storage (``s3://``, ``gs://``, ``az://``...) goes to polars with the
source's ``storage_options``. `scan_data` serves readers that fetch the data themselves: HTTP(S)
(`shared.sources.http`) hands it the URL or the downloaded bytes.
"""

from __future__ import annotations

import glob
import os
import socket
import warnings
import weakref
from functools import lru_cache
from pathlib import Path

import polars as pl

from shared.errors import SpecError
from shared.sources.base import READERS
from shared.sources.resolved import DataSource

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

# Set once at import, not per scan: changing the environment while polars threads read it
# is not thread-safe.
os.environ.setdefault(CSV_CHUNK_ENV, str(CSV_CHUNK_BYTES))


#: A local file up to this size is read into memory once and kept while it is unchanged.
SMALL_FILE_BYTES = 1 << 20
#: How many small files are kept read (a few times their size in memory each, at most).
SMALL_FILES_KEPT = 32

#: What a scan reads: a local path or glob, a remote URL, or bytes already downloaded.
ScanInput = str | bytes


def scan_input(source: DataSource) -> str:
    """What polars scans for `source`: its local path or glob, once checked to match a file,
    or its URL. The `SourceError` for a missing file names the host that looked (its label is
    the absolute path). An existing file is read as itself even when its name looks like a
    pattern (``[red]/data[1].csv``): escaped, since polars expands patterns in every path."""
    path = source.local_path
    if path is None:  # a remote URL: polars checks it when it scans
        return source.uri
    if Path(path).is_file():
        return glob.escape(path) if glob.has_magic(path) else path
    if glob.has_magic(path):
        if not glob.glob(path):
            raise source.error(f"no file matches the pattern (on host {socket.gethostname()})")
    else:
        raise source.error(f"file not found (on host {socket.gethostname()})")
    return path


_S3_SCHEMES = ("s3://", "s3a://")
_REGION_OPTIONS = ("aws_region", "region", "aws_default_region", "default_region")
_ENDPOINT_OPTIONS = ("aws_endpoint_url", "endpoint_url", "aws_endpoint", "endpoint")
_REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
#: The region given to an S3-compatible endpoint that names none (MinIO, Ceph... ignore it).
DEFAULT_ENDPOINT_REGION = "us-east-1"

# Without a region polars asks the bucket for it, and warns on every scan (to stderr, or as an
# error under strict warning filters). Asking the bucket works: the warning tells nothing.
warnings.filterwarnings("ignore", message=r".*\(default_\)region' not set")


def storage_options(source: DataSource) -> dict[str, str] | None:
    """The source's storage options for polars; an S3 endpoint without a region gets one."""
    options = dict(source.storage_options)
    if (
        source.uri.startswith(_S3_SCHEMES)
        and any(name in options for name in _ENDPOINT_OPTIONS)
        and not any(name in options for name in _REGION_OPTIONS)
        and not any(os.environ.get(name) for name in _REGION_VARIABLES)
    ):
        options["aws_region"] = DEFAULT_ENDPOINT_REGION
    return options or None


def temporal_columns(
    data: ScanInput, separator: str, storage: dict[str, str] | None = None
) -> dict[str, pl.DataType]:
    """The columns whose first rows read as dates or datetimes, with their type.

    ``try_parse_dates`` on the full scan tries every text column on every row, which costs
    several times the scan; probing the first rows and naming the temporal columns does not.
    """
    probe = pl.scan_csv(
        data,
        separator=separator,
        try_parse_dates=True,
        n_rows=CSV_DATE_PROBE_ROWS,
        infer_schema_length=CSV_DATE_PROBE_ROWS,
        storage_options=storage,
    )
    return {name: dtype for name, dtype in probe.collect_schema().items() if dtype.is_temporal()}


def scan_delimited(source: DataSource, separator: str) -> pl.LazyFrame:
    """A CSV-like file: types inferred from the first rows, date columns parsed as such.

    The scan of one local file is kept while the file is unchanged (same inode, size and
    modification time) and reused: a scan reads the data afresh at every collect, but its date
    probe and schema inference are done once, which is a third of a small file's run. A small
    file is kept read (`kept_small_file`).
    """
    data = scan_input(source)
    if source.local_path is None:
        return _scan_delimited(data, separator, storage_options(source))
    stat = _file_stat(data)
    if stat is None:  # a glob
        return _scan_delimited(data, separator)
    if stat.st_size <= SMALL_FILE_BYTES:
        return kept_small_file(data, "tsv" if separator == "\t" else "csv", stat)
    return _cached_scan(data, separator, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def kept_small_file(path: str, key: str, stat: os.stat_result) -> pl.LazyFrame:
    """The local file `path` (at most `SMALL_FILE_BYTES`, in the format `key`), read into
    memory once and kept while it is unchanged: a re-run of a checkpoint over an unchanged
    small file does not parse it again (for a 100-row CSV parsing is most of the run).

    Unchanged means the same inode, size, modification and status-change times (nanoseconds):
    any write changes the status-change time, even one that restores the old mtime.
    """
    return _read_small_file(
        path, key, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns
    )


def is_settled(frame: pl.LazyFrame) -> bool:
    """Whether `frame` is a kept small file's: wholly in memory and never changed (a changed
    file gets a new frame), so what a query of it computes stays true while it lives."""
    known = _SETTLED.get(id(frame))
    return known is not None and known() is frame


#: The frames of `_read_small_file` by id (a LazyFrame cannot be hashed), while they live.
_SETTLED: dict[int, weakref.ref[pl.LazyFrame]] = {}


@lru_cache(maxsize=SMALL_FILES_KEPT)
def _read_small_file(
    path: str, key: str, inode: int, size: int, mtime_ns: int, ctime_ns: int
) -> pl.LazyFrame:
    # One frame object while the file is unchanged: a checkpoint's plan over it, and what that
    # plan's scan found, are kept too (`shared.validation.kept_plans`).
    frame = scan_data(key, path).collect().lazy()
    frame_id = id(frame)
    _SETTLED[frame_id] = weakref.ref(frame, lambda _: _SETTLED.pop(frame_id, None))
    return frame


def _file_stat(path: str) -> os.stat_result | None:
    """The status of the file `path`; None for a pattern that is no file itself."""
    try:
        return os.stat(path)
    except OSError:
        return None


@lru_cache(maxsize=256)
def _cached_scan(path: str, separator: str, inode: int, size: int, mtime_ns: int) -> pl.LazyFrame:
    frame = _scan_delimited(path, separator)
    frame.collect_schema()  # inferred once here, remembered by the frame
    return frame


def _scan_delimited(
    data: ScanInput, separator: str, storage: dict[str, str] | None = None
) -> pl.LazyFrame:
    return pl.scan_csv(
        data,
        separator=separator,
        infer_schema_length=CSV_INFER_SCHEMA_ROWS,
        schema_overrides=temporal_columns(data, separator, storage),
        storage_options=storage,
    )


def scan_data(key: str, data: ScanInput, storage: dict[str, str] | None = None) -> pl.LazyFrame:
    """The lazy scan of `data` (a path, URL or bytes) in the format the reader key `key` names:
    for readers that fetch the data themselves (HTTP without byte ranges)."""
    if key in ("csv", "tsv"):
        return _scan_delimited(data, "," if key == "csv" else "\t", storage)
    if key in ("parquet", "pq"):
        return pl.scan_parquet(data, storage_options=storage)
    if key in ("ndjson", "jsonl"):
        return pl.scan_ndjson(
            data, infer_schema_length=CSV_INFER_SCHEMA_ROWS, storage_options=storage
        )
    raise SpecError(f"no file format {key!r}; known: csv, tsv, parquet, pq, ndjson, jsonl")


def scan_csv(source: DataSource) -> pl.LazyFrame:
    return scan_delimited(source, ",")


def scan_tsv(source: DataSource) -> pl.LazyFrame:
    return scan_delimited(source, "\t")


def scan_parquet(source: DataSource) -> pl.LazyFrame:
    return _scan_file(source, "parquet")


def scan_ndjson(source: DataSource) -> pl.LazyFrame:
    return _scan_file(source, "ndjson")


def _scan_file(source: DataSource, key: str) -> pl.LazyFrame:
    data = scan_input(source)
    if source.local_path is not None:
        stat = _file_stat(data)
        if stat is not None and stat.st_size <= SMALL_FILE_BYTES:
            return kept_small_file(data, key, stat)
    return scan_data(key, data, storage_options(source))


READERS.add("csv", scan_csv)
READERS.add("tsv", scan_tsv)
READERS.add("parquet", scan_parquet)
READERS.add("pq", scan_parquet)
READERS.add("ndjson", scan_ndjson)
READERS.add("jsonl", scan_ndjson)
