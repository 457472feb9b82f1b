"""Data readers keyed by file suffix or URL scheme; importing this registers the built-in ones.

Add a reader with ``READERS.add("xlsx", my_reader)`` where ``my_reader(location)`` returns a
`polars.LazyFrame`.
"""

from __future__ import annotations

from shared.sources import files as _files  # noqa: F401  (registers the built-in readers)
from shared.sources.base import (
    READERS,
    Reader,
    SourceGuard,
    guard_sources,
    open_source,
    resolve_reader,
    source_key,
)

__all__ = [
    "READERS",
    "Reader",
    "SourceGuard",
    "guard_sources",
    "open_source",
    "resolve_reader",
    "source_key",
]
