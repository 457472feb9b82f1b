"""Data sources: a checkpoint's ``data_source`` resolved (`resolve_source`) and read lazily
(`read_source`) by the reader registered for its scheme, format or file suffix.

Importing this registers the built-in readers: files (CSV, TSV, Parquet, NDJSON; local or in
object storage), HTTP(S), SQL databases (``postgresql://``) and Delta tables (``delta://``).
Add a reader with ``READERS.add("xlsx", my_reader)`` where ``my_reader(source)`` takes a
`DataSource` and returns a `polars.LazyFrame` (docs/checkpoints.md shows one).
"""

from __future__ import annotations

# Importing these registers the built-in readers.
from shared.sources import delta as _delta  # noqa: F401
from shared.sources import files as _files  # noqa: F401
from shared.sources import http as _http  # noqa: F401
from shared.sources import sql as _sql  # noqa: F401
from shared.sources.base import (
    READERS,
    Reader,
    SourceGuard,
    guard_sources,
    resolve_reader,
    source_key,
)
from shared.sources.checks import source_problems
from shared.sources.resolved import (
    DataSource,
    open_source,
    read_source,
    resolve_source,
    source_label,
)
from shared.sources.spec import SourceSpec, SourceValue, anchor_source, is_frame, plain_source

__all__ = [
    "READERS",
    "DataSource",
    "Reader",
    "SourceGuard",
    "SourceSpec",
    "SourceValue",
    "anchor_source",
    "guard_sources",
    "is_frame",
    "open_source",
    "plain_source",
    "read_source",
    "resolve_reader",
    "resolve_source",
    "source_key",
    "source_label",
    "source_problems",
]
