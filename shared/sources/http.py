"""HTTP(S) sources: ``https://host/path/data.parquet``, with or without byte-range support.

A server that answers ``HEAD`` with ``Accept-Ranges: bytes`` is scanned by polars directly
(byte ranges: a Parquet scan fetches only the columns it needs). Any other server (no
``Accept-Ranges``, no ``HEAD``) is read with one plain ``GET`` and the body scanned from
memory, so a run holds the file's size. The format comes from ``format`` or the URL's suffix.

While a guard judges reads (an inline spec under the data-roots rule), every redirect is
judged too before it is followed (a listed URL prefix must not bounce the read to
``http://127.0.0.1:...``), and the body is always read with that one guarded ``GET``: polars'
own HTTP client would follow redirects unjudged. The data-roots rule trusts a listed URL
prefix by its name (like an exact name in `CHECKFLEET_ACTION_HOSTS`), so its addresses are
not judged and need no pinning (docs/security.md).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import polars as pl

from shared.errors import SpecError
from shared.sources.base import FILE_FORMATS, READERS, check_location, is_guarded
from shared.sources.files import scan_data, storage_options
from shared.sources.resolved import DataSource

#: How long one request may take (connect, then each read).
HTTP_TIMEOUT_S = 30.0


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only where the active source guard (if any) allows reading."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_location(newurl)  # raises SpecRefusedError outside an inline spec's data roots
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_GuardedRedirects())


def _format(source: DataSource) -> str:
    key = (source.format or PurePosixPath(urlsplit(source.uri).path).suffix.lstrip(".")).lower()
    if key not in FILE_FORMATS:
        raise SpecError(
            f"cannot tell the file format of {source.label!r}; give 'format' (one of"
            f" {', '.join(FILE_FORMATS)})",
            path="data_source",
        )
    return key


def serves_ranges(source: DataSource) -> bool:
    """Whether the server says it serves byte ranges of the URL (``HEAD``)."""
    request = urllib.request.Request(source.uri, method="HEAD")
    try:
        with _OPENER.open(request, timeout=HTTP_TIMEOUT_S) as response:
            return "bytes" in response.headers.get("Accept-Ranges", "").lower()
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise source.error(f"HTTP {exc.code}: {exc.reason}") from None
        return False  # no HEAD (405, 501...): the GET will tell
    except (urllib.error.URLError, OSError) as exc:
        raise source.error(f"cannot reach the server: {_reason(exc)}") from None


def download(source: DataSource) -> bytes:
    """The whole body of the URL (one ``GET``)."""
    try:
        with _OPENER.open(source.uri, timeout=HTTP_TIMEOUT_S) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        raise source.error(f"HTTP {exc.code}: {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise source.error(f"cannot reach the server: {_reason(exc)}") from None


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    return str(reason if reason is not None else error)


def read_http(source: DataSource) -> pl.LazyFrame:
    key = _format(source)
    if not is_guarded() and serves_ranges(source):
        return scan_data(key, source.uri, storage_options(source))
    return scan_data(key, download(source))


READERS.add("http", read_http)
READERS.add("https", read_http)
