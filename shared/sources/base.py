"""Data readers: how a resolved ``data_source`` becomes a polars `LazyFrame`.

A reader is any callable ``(source: DataSource) -> pl.LazyFrame`` that scans lazily, so the
validation query can stream data larger than memory and read only the columns it needs. Readers
are registered in `READERS` under a URL scheme (``postgresql``, ``delta``, ``https``...), a
format name (``delta``, given as ``format:``) or a file suffix (``csv``); a registered scheme
wins over the suffix, so ``mydb://orders.csv`` reaches the ``mydb`` reader. A plugin module
listed in ``CHECKFLEET_PLUGINS`` registers its own (see docs/checkpoints.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import polars as pl

from shared.errors import SpecError
from shared.registry import Registry

if TYPE_CHECKING:
    from shared.sources.resolved import DataSource

#: A reader: the lazy scan of a resolved source. It raises `SourceError` when nothing is there.
Reader = Callable[["DataSource"], pl.LazyFrame]

#: Readers by URL scheme, format name or file suffix (without the dot, lower case).
READERS: Registry[Reader] = Registry("data reader")

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
#: Formats of files: with a registered scheme (``https``), the scheme's reader reads them.
FILE_FORMATS = ("csv", "tsv", "parquet", "pq", "ndjson", "jsonl")


def source_key(uri: str, format: str | None = None) -> str:
    """The registry key that serves `uri`: its scheme when registered (``https``, which then
    reads a file `format`), else `format`, else its file suffix. `SpecError` listing the known
    keys when none fits."""
    match = _SCHEME.match(uri)
    scheme = match.group(1).lower() if match and match.group(1).lower() in READERS else None
    if format is not None:
        key = format.lower()
        READERS.get(key, path="format")  # UnknownTypeError listing the known ones
        return scheme if scheme is not None and key in FILE_FORMATS else key
    if scheme is not None:
        return scheme
    suffix = PurePosixPath(uri.split("?", 1)[0]).suffix.lower().lstrip(".")
    if not suffix:
        raise SpecError(
            f"cannot tell the format of {uri!r}: no registered scheme and no file suffix"
            f" (give 'format'); known: {', '.join(READERS.names())}"
        )
    READERS.get(suffix)
    return suffix


def resolve_reader(uri: str, format: str | None = None) -> Reader:
    """The reader for `uri`; `SpecError` (listing known ones) when none fits. Reads nothing."""
    return READERS.get(source_key(uri, format))


#: Judges a location before it is read; raises to refuse it (see `guard_sources`).
SourceGuard = Callable[[str], None]
_GUARD: ContextVar[SourceGuard | None] = ContextVar("checkfleet_source_guard", default=None)


@contextmanager
def guard_sources(guard: SourceGuard | None) -> Iterator[None]:
    """Every read in the block (and in threads started with a copy of its context) asks
    `guard` first, for each location it reaches (`shared.sources.resolved.read_source`): how
    a worker keeps an inline spec's reads inside its data roots."""
    token = _GUARD.set(guard)
    try:
        yield
    finally:
        _GUARD.reset(token)


def is_guarded() -> bool:
    """Whether a guard judges reads now (an inline spec runs): readers whose client could
    reach past it (following redirects by itself) then read through one they control."""
    return _GUARD.get() is not None


def check_location(location: str) -> None:
    """Ask the active guard, if any, about `location`; it raises to refuse the read."""
    guard = _GUARD.get()
    if guard is not None:
        guard(location)
