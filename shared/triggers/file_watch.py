"""`FileWatchTrigger`: fires when files appear or change under some paths, once they settled.

Each evaluation polls the paths (files, directories, globs with ``**``) in a thread. A file
counts as changed when its size or mtime differ from the version last accepted; it fires once
that new version stayed the same for `settle_s` (a file still being written keeps changing
and waits). With `hash_content` a settled file whose content hash did not change (touched,
rewritten identically) does not fire. Files present at start are the baseline and fire only
with `fire_on_existing`. Deleted files are forgotten, so one that comes back fires again.

By default each file fires on its own with ``fire_id`` = ``path|size|mtime_ns[|sha256]``,
which every scheduler watching the same file computes identically, and its absolute path in
the run context as ``path``: a checkpoint whose ``data_source`` is ``"${trigger.path}"``
validates each arrival alone. With `batch` the files
settled in one evaluation fire together (``fire_id`` hashes their ids, so schedulers agree
only when they saw the same set).
"""

from __future__ import annotations

import asyncio
import fnmatch
import glob
import hashlib
import os
import stat
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator

from shared.async_base.trigger import AsyncBaseTrigger, TriggerConfig, TriggerResult

_GLOB_CHARS = frozenset("*?[")
_HASH_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class FileVersion:
    """What identifies one version of a file."""

    size: int
    mtime_ns: int
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class FileChange:
    """A settled new version of a file."""

    path: str
    version: FileVersion
    created: bool

    @property
    def fire_id(self) -> str:
        parts = [self.path, str(self.version.size), str(self.version.mtime_ns)]
        if self.version.sha256:
            parts.append(self.version.sha256)
        return "|".join(parts)

    def to_context(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "path": self.path,
            "change": "created" if self.created else "modified",
            "size": self.version.size,
            "mtime": _mtime(self.version).isoformat(),
        }
        if self.version.sha256:
            info["sha256"] = self.version.sha256
        return info


def _mtime(version: FileVersion) -> datetime:
    return datetime.fromtimestamp(version.mtime_ns / 1e9, UTC)


def scan_paths(patterns: list[str], recursive: bool) -> dict[str, FileVersion]:
    """Size and mtime of every regular file the patterns name (blocking: run in a thread)."""
    found: dict[str, FileVersion] = {}
    for pattern in patterns:
        expanded = os.path.abspath(os.path.expanduser(pattern))
        if _GLOB_CHARS & set(expanded):
            candidates = [Path(match) for match in glob.glob(expanded, recursive=True)]
        elif os.path.isdir(expanded):
            folder = Path(expanded)
            candidates = list(folder.rglob("*") if recursive else folder.iterdir())
        else:
            candidates = [Path(expanded)]
        for candidate in candidates:
            try:
                info = candidate.stat()
            except OSError:  # gone since listed, or never there
                continue
            if stat.S_ISREG(info.st_mode):
                found[str(candidate)] = FileVersion(info.st_size, info.st_mtime_ns)
    return found


def hash_file(path: str) -> str | None:
    """SHA-256 of the file's content, None when it cannot be read (blocking: use a thread)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_HASH_CHUNK_BYTES):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def hash_files(paths: list[str]) -> dict[str, str | None]:
    return {path: hash_file(path) for path in paths}


class FileWatchConfig(TriggerConfig):
    """``{"type": "file_watch", "paths": ["/data/in/*.csv"], "settle_s": 2}``"""

    #: Files, directories (their files) or glob patterns (``**`` spans directories).
    paths: list[str] = Field(min_length=1)
    #: Directories are scanned with their subdirectories.
    recursive: bool = False
    #: Compare content hashes too (computed in a thread): an unchanged content does not fire.
    hash_content: bool = False
    #: A new version fires once it stayed unchanged this long.
    settle_s: float = Field(default=1.0, ge=0)
    #: Files present when the trigger starts fire too.
    fire_on_existing: bool = False
    #: Changes settled in one evaluation fire together instead of one firing per file.
    batch: bool = False
    #: File name patterns (``*.csv``): only files whose name matches one are watched; None
    #: watches every file (the reference framework's ``patterns``).
    patterns: list[str] | None = Field(default=None, min_length=1)
    #: Poll the paths at most this often; evaluations in between answer "not yet" (the
    #: reference's ``poll_interval_seconds``). 0 polls at every evaluation.
    poll_interval_s: float = Field(default=0.0, ge=0)

    field_aliases: ClassVar[dict[str, str]] = {"poll_interval_seconds": "poll_interval_s"}

    @field_validator("paths", "patterns", mode="before")
    @classmethod
    def _one_path_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class FileWatchTrigger(AsyncBaseTrigger[FileWatchConfig]):
    """Fires for files created or modified under `paths`."""

    trigger_type = "file_watch"

    def __init__(self, config: FileWatchConfig | None = None, /, **overrides: Any) -> None:
        super().__init__(config, **overrides)
        # The default config is built unvalidated (it has no paths): validate what we got.
        self._config = self._validate_config(
            FileWatchConfig, self._config.model_dump(exclude_unset=True)
        )
        #: The version of each file last accepted (fired, or the baseline).
        self._known: dict[str, FileVersion] = {}
        #: Changed files waiting to settle: their version and when it was first seen.
        self._settling: dict[str, tuple[FileVersion, float]] = {}
        #: Settled changes not yet handed out (one firing per call unless `batch`).
        self._ready: deque[FileChange] = deque()
        #: When the paths were last polled (monotonic seconds), for `poll_interval_s`.
        self._polled_at: float | None = None

    @classmethod
    def _default_config(cls) -> FileWatchConfig:
        return FileWatchConfig.model_construct()  # type: ignore[call-arg]  # validated in __init__

    def validate_config(self) -> list[str]:
        return [f"paths[{i}] is empty" for i, path in enumerate(self.config.paths) if not path]

    async def start_async(self) -> None:
        await super().start_async()
        self._settling.clear()
        self._ready.clear()
        self._known = {} if self.config.fire_on_existing else await self._baseline()

    async def should_trigger_async(self) -> TriggerResult:
        if not self.enabled:
            return TriggerResult(should_run=False, reason="disabled")
        if not self.running:
            await self.start_async()
        if not self._ready:
            now = time.monotonic()
            if self._polled_at is not None and now - self._polled_at < self.config.poll_interval_s:
                return TriggerResult(should_run=False, reason="not yet: poll_interval_s")
            self._polled_at = now
            self._ready.extend(await self._settled_changes())
        if not self._ready:
            reason = f"{len(self._settling)} file(s) settling" if self._settling else "no change"
            return TriggerResult(should_run=False, reason=reason)
        if self.config.batch:
            changes = list(self._ready)
            self._ready.clear()
        else:
            changes = [self._ready.popleft()]
        return self._fire(changes)

    async def _scan(self) -> dict[str, FileVersion]:
        found = await asyncio.to_thread(scan_paths, self.config.paths, self.config.recursive)
        patterns = self.config.patterns
        if patterns is None:
            return found
        return {
            path: version
            for path, version in found.items()
            if any(fnmatch.fnmatchcase(os.path.basename(path), pattern) for pattern in patterns)
        }

    async def _baseline(self) -> dict[str, FileVersion]:
        current = await self._scan()
        if not self.config.hash_content:
            return current
        hashes = await asyncio.to_thread(hash_files, sorted(current))
        return {
            path: FileVersion(version.size, version.mtime_ns, hashes.get(path))
            for path, version in current.items()
        }

    async def _settled_changes(self) -> list[FileChange]:
        current = await self._scan()
        now = time.monotonic()
        for gone in set(self._known) - set(current):
            del self._known[gone]
        for gone in set(self._settling) - set(current):
            del self._settling[gone]
        settled: list[tuple[str, FileVersion]] = []
        for path, version in sorted(current.items()):
            known = self._known.get(path)
            if known is not None and (known.size, known.mtime_ns) == (
                version.size,
                version.mtime_ns,
            ):
                self._settling.pop(path, None)
                continue
            seen = self._settling.get(path)
            if seen is None or seen[0] != version:  # new, or still being written
                seen = (version, now)
                self._settling[path] = seen
            if now - seen[1] >= self.config.settle_s:
                settled.append((path, version))
        return await self._accept(settled)

    async def _accept(self, settled: list[tuple[str, FileVersion]]) -> list[FileChange]:
        """Record settled versions as known; the ones whose content changed become changes."""
        hashes: dict[str, str | None] = {}
        if self.config.hash_content and settled:
            hashes = await asyncio.to_thread(hash_files, [path for path, _ in settled])
        changes: list[FileChange] = []
        for path, version in settled:
            del self._settling[path]
            previous = self._known.get(path)
            if self.config.hash_content:
                digest = hashes.get(path)
                if digest is None:  # vanished while hashing: it will be seen again or not
                    continue
                version = FileVersion(version.size, version.mtime_ns, digest)
                self._known[path] = version
                if previous is not None and previous.sha256 == digest:
                    continue  # touched, same content
            self._known[path] = version
            changes.append(FileChange(path, version, created=previous is None))
        return changes

    def _fire(self, changes: list[FileChange]) -> TriggerResult:
        if len(changes) == 1:
            fire_id = changes[0].fire_id
        else:
            joined = "\n".join(sorted(change.fire_id for change in changes))
            fire_id = f"files:{hashlib.sha256(joined.encode()).hexdigest()}"
        paths = [change.path for change in changes]
        context: dict[str, Any] = {"paths": paths, "files": [c.to_context() for c in changes]}
        if len(paths) == 1:  # the file that fired: ``data_source: "${trigger.path}"`` reads it
            context["path"] = paths[0]
        return TriggerResult(
            should_run=True,
            reason=f"{len(changes)} file(s) changed: {', '.join(paths[:3])}"
            + (" ..." if len(paths) > 3 else ""),
            context=context,
            fire_time=max(_mtime(change.version) for change in changes),
            fire_id=fire_id,
        )
