"""Where an inline spec may read and write: directories and URL prefixes, checked on what a
location really reaches.

A local location is judged on the real paths it reaches, the way the reader will reach them:
``~`` expanded, ``file://`` stripped, a glob expanded (``/etc/passw[.tsv?d]`` is
``/etc/passwd``), every match and every file under a matched directory resolved through its
symlinks. Each must lie inside a root, and so must the glob's fixed leading directory, so a
pattern can only ever match inside a root. A URL must start with a listed URL prefix at a
path boundary (``https://data.example.com/in`` allows ``.../in/a.csv``, not ``.../inx`` nor
``https://data.example.com.evil.net``), and may not climb out of it with ``..``.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

_FILE_SCHEME = "file://"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: Files looked at under matched directories; a location reaching more is refused as too broad.
MAX_FILES_CHECKED = 10_000


class Roots:
    """Directories (resolved through symlinks) and URL prefixes a location must lie inside."""

    def __init__(self, entries: Sequence[str]) -> None:
        self.directories = tuple(
            os.path.realpath(entry) for entry in entries if not _SCHEME.match(entry)
        )
        self.url_prefixes = tuple(
            without_userinfo(entry) for entry in entries if _SCHEME.match(entry)
        )

    def __bool__(self) -> bool:
        return bool(self.directories or self.url_prefixes)

    def holds_path(self, real_path: str) -> bool:
        """Whether the resolved `real_path` is one of the directories or inside one."""
        return any(_inside(real_path, directory) for directory in self.directories)

    def holds_url(self, url: str) -> bool:
        """Whether `url` starts with a URL prefix at a boundary and stays under it (user and
        password, if any, do not count)."""
        url = without_userinfo(url)
        if ".." in unquote(urlsplit(url).path).replace("\\", "/").split("/"):
            return False
        for prefix in self.url_prefixes:
            if url == prefix:
                return True
            if url.startswith(prefix) and (prefix.endswith("/") or url[len(prefix)] in "/?#"):
                return True
        return False


def without_userinfo(url: str) -> str:
    """`url` without ``user:password@`` (credentials, whole or redacted)."""
    scheme, separator, rest = url.partition("://")
    authority, slash, tail = rest.partition("/")
    return f"{scheme}{separator}{authority.rpartition('@')[2]}{slash}{tail}"


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def location_problem(location: str, roots: Roots) -> str | None:
    """Why `location` reaches outside `roots`, or None when everything it reaches is inside."""
    if _SCHEME.match(location) and not location.startswith(_FILE_SCHEME):
        if roots.holds_url(location):
            return None
        return f"{location!r} is not under a listed URL prefix"
    path = os.path.expanduser(location.removeprefix(_FILE_SCHEME))
    reached, too_broad = _reached(path)
    outside = next((p for p in reached if not roots.holds_path(os.path.realpath(p))), None)
    if outside is None and too_broad is not None:
        return f"{location!r} reaches more than {MAX_FILES_CHECKED:,} files under {too_broad}"
    if outside is None:
        return None
    if outside == path:
        return f"{location!r} is not under a listed directory"
    return f"{location!r} reaches {outside!r}, which is not under a listed directory"


def directory_problem(directory: str, roots: Roots) -> str | None:
    """Why writing under `directory` would leave `roots`, or None."""
    real = os.path.realpath(os.path.expanduser(directory))
    if roots.holds_path(real):
        return None
    return f"{directory!r} is not under a listed directory"


def _reached(path: str) -> tuple[list[str], str | None]:
    """A glob's fixed leading directory, then every path and file the location reaches; and
    the directory where more than `MAX_FILES_CHECKED` files were found, if any."""
    reached: list[str] = []
    if glob.has_magic(path):
        reached.append(_fixed_part(path))
        matches = glob.glob(path, recursive=True, include_hidden=True)
    else:
        matches = [path]
    for match in matches:
        reached.append(match)
        if not os.path.isdir(match):
            continue
        seen: set[str] = set()
        for folder, dirs, files in os.walk(match, followlinks=True):
            real = os.path.realpath(folder)
            if real in seen:  # a symlink loop: its files were judged already
                dirs.clear()
                continue
            seen.add(real)
            reached.append(folder)
            reached.extend(os.path.join(folder, name) for name in files)
            if len(reached) > MAX_FILES_CHECKED:
                return reached, match
    return reached, None


def _fixed_part(pattern: str) -> str:
    """The leading directory of a glob pattern before its first wildcard."""
    parts = pattern.split(os.sep)
    fixed: list[str] = []
    for part in parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    joined = os.sep.join(fixed)
    return joined or ("/" if pattern.startswith(os.sep) else ".")
