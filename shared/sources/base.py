"""Data readers: how a checkpoint's ``data_source`` string becomes a polars `LazyFrame`.

A reader is any callable ``(location) -> pl.LazyFrame`` that scans lazily, so the validation
query can stream a file larger than memory. Readers are registered in `READERS` under a file
suffix (``csv``) or a URL scheme (``s3``, ``memory``...); a registered scheme wins over the
suffix, so ``mydb://orders.csv`` reaches the ``mydb`` reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePosixPath

import polars as pl

from shared.errors import SpecError
from shared.registry import Registry

#: A reader: the lazy scan of a location. It raises `SourceError` when nothing is there.
Reader = Callable[[str], pl.LazyFrame]

#: Readers by file suffix (without the dot, lower case) or URL scheme.
READERS: Registry[Reader] = Registry("data reader")

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def source_key(location: str) -> str:
    """The registry key that serves `location`: its scheme when registered, else its suffix."""
    match = _SCHEME.match(location)
    if match and match.group(1).lower() in READERS:
        return match.group(1).lower()
    suffix = PurePosixPath(location.split("?", 1)[0]).suffix.lower().lstrip(".")
    if not suffix:
        raise SpecError(
            f"cannot tell the format of {location!r}: no registered scheme and no file suffix;"
            f" known: {', '.join(READERS.names())}"
        )
    return suffix


def resolve_reader(location: str) -> Reader:
    """The reader for `location`; `SpecError` (listing known ones) when none fits. Reads nothing."""
    if not isinstance(location, str) or not location.strip():
        raise SpecError("data_source must be a non-empty path, glob or URL")
    return READERS.get(source_key(location))


#: Judges a location before it is read; raises to refuse it (see `guard_sources`).
SourceGuard = Callable[[str], None]
_GUARD: ContextVar[SourceGuard | None] = ContextVar("checkfleet_source_guard", default=None)


@contextmanager
def guard_sources(guard: SourceGuard | None) -> Iterator[None]:
    """Every `open_source` in the block (and in threads started with a copy of its context)
    asks `guard` first: how a worker keeps an inline spec's reads inside its data roots."""
    token = _GUARD.set(guard)
    try:
        yield
    finally:
        _GUARD.reset(token)


def open_source(location: str) -> pl.LazyFrame:
    """The lazy scan of `location` by its registered reader, once the active guard (if any)
    allowed it. Every reader is reached through here, so the guard sees every read."""
    reader = resolve_reader(location)
    guard = _GUARD.get()
    if guard is not None:
        guard(location)
    return reader(location)
