"""What ``checkfleet run`` can honestly say about runs still going: the live progress line.

polars reads and scans in its own native threads and offers no progress callback, so rows
are known only when a run ends. What can be observed while one scans is the bytes the process
reads: polars reads local files with ``pread`` (measured with polars 2.1: a 213 MB CSV scan
adds 213 MB to ``rchar``, a Parquet scan the bytes of the columns it needs), and SQL or HTTP
sources read from sockets, all counted in Linux's ``/proc/self/io``. That count is the
process's, so it also holds the little the run reads besides its data (the results store);
elsewhere than Linux it is unknown and the line shows what else is known. The total is the
size of the local files the sources name, when every source is a local file (a database or a
URL cannot tell its size beforehand).

Reading ``/proc/self/io`` is a procfs read (no disk, microseconds): done on the event loop.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text

from shared.checkpoint import Checkpoint
from shared.errors import CheckfleetError
from shared.models import CheckpointResult
from shared.sources import resolve_source
from shared.sources.base import FILE_FORMATS

_PROC_IO = Path("/proc/self/io")


def bytes_read() -> int | None:
    """Bytes this process has read so far (Linux's ``rchar``), None where it cannot tell."""
    try:
        for line in _PROC_IO.read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "rchar":
                return int(value)
    except (OSError, ValueError):
        return None
    return None


def source_bytes(checkpoints: Sequence[Checkpoint]) -> int | None:
    """The size of the local files the checkpoints' sources match, None unless every source
    is a local file (or glob) whose files can be measured."""
    total = 0
    for checkpoint in checkpoints:
        try:
            source = resolve_source(checkpoint.data_source)
        except (CheckfleetError, TypeError, ValueError):  # a placeholder the context fills...
            return None
        path = source.local_path
        if path is None or source.key not in FILE_FORMATS:
            return None
        files = glob.glob(path) if glob.has_magic(path) and not os.path.isfile(path) else [path]
        try:
            total += sum(os.path.getsize(name) for name in files)
        except OSError:
            return None
    return total


def size_text(count: int) -> str:
    """`count` bytes for people: ``512 B``, ``12.3 MB``, ``1.20 GB``."""
    if count < 1000:
        return f"{count} B"
    for unit, scale in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if count < scale * 1000 or unit == "GB":
            value = count / scale
            return f"{value:.2f} {unit}" if value < 10 else f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


@dataclass(slots=True)
class RunProgress:
    """The progress of one ``checkfleet run``: started with the runs, told of each result."""

    checkpoints: Sequence[Checkpoint]
    #: The size of the data to read, when the sources can tell (`source_bytes`).
    total_bytes: int | None = None
    started: float = field(default_factory=time.monotonic)
    #: ``rchar`` when the runs started (None where it cannot be read).
    read_at_start: int | None = field(default_factory=bytes_read)
    finished: list[CheckpointResult] = field(default_factory=list)

    @classmethod
    def start(cls, checkpoints: Sequence[Checkpoint]) -> RunProgress:
        return cls(checkpoints, total_bytes=source_bytes(checkpoints))

    def done(self, result: CheckpointResult) -> None:
        self.finished.append(result)

    def line(self, width: int) -> Text:
        """One line of at most `width` cells (cut, never wrapped: a wrapped live line leaves
        its first part behind): runs done and the rows they read, bytes read so far and the
        data's size when known, time elapsed, the runs still going."""
        rows = sum(result.row_count for result in self.finished)
        parts = [
            f"{len(self.finished)} of {len(self.checkpoints)} done ({rows:,} rows)",
            f"{time.monotonic() - self.started:.0f} s elapsed",
        ]
        now_read = bytes_read()
        if now_read is not None and self.read_at_start is not None:
            # a scan may read a file more than once (a second pass for samples): no "of"
            read = f"read {size_text(max(0, now_read - self.read_at_start))}"
            if self.total_bytes is not None:
                read += f" (files: {size_text(self.total_bytes)})"
            parts.append(read)
        ended = {result.checkpoint_name for result in self.finished}
        going = [cp.name for cp in self.checkpoints if cp.name not in ended]
        if going:
            parts.append("running: " + ", ".join(going))
        text = Text(" · ".join(parts), no_wrap=True)
        text.truncate(max(1, width), overflow="ellipsis")
        return text
