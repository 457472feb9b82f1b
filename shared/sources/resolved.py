"""`DataSource`: a ``data_source`` resolved for one run, before anything is read.

Resolving fills ``${trigger.KEY}`` placeholders from the run context, expands ``${VAR}``
references from the environment, makes a local path absolute and picks the reader. The result
says everything a policy needs to judge the read (`DataSource.locations`: the absolute local
path or glob, or the URL without its credentials) and everything the reader needs (the full
URI, secrets included, and the kind's options). `read_source` is the one place where a
resolved source is handed to its reader: the place to refuse a read.

Secrets (a password in the URI, credential-like storage options, values expanded from
``${VAR}``) never leave a `DataSource` in text: `label` is the redacted form results, logs and
messages use, and `redact` scrubs them from a driver's error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import polars as pl

from shared.envvars import expand_env
from shared.errors import SourceError, SpecError
from shared.sources.base import READERS, check_location, source_key
from shared.sources.spec import (
    SourceSpec,
    SourceValue,
    is_frame,
    is_local,
    parse_source_spec,
)

_FILE_SCHEME = "file://"
_DELTA_SCHEME = "delta://"
#: ``${trigger.KEY}``: a value of the run context (what the trigger that fired handed over).
_CONTEXT_REFERENCE = re.compile(r"\$\{trigger\.([A-Za-z_][A-Za-z0-9_]*)\}")
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
#: Storage options and URL query parameters whose values are credentials.
_SECRET_NAME = re.compile(r"secret|password|passwd|token|credential|sas|signature|sig$|key$", re.I)
#: Values expanded from ``${VAR}`` shorter than this are not treated as secrets (a port, say):
#: redacting them would garble messages and protect nothing.
_MIN_SECRET_CHARS = 6
REDACTED = "***"


@dataclass(frozen=True)
class DataSource:
    """A data source ready to be judged and read."""

    #: The full URI: ``${...}`` expanded, secrets included, a local path absolute.
    uri: str
    #: The registry key of its reader (a URL scheme, a format or a file suffix).
    key: str
    #: What results, logs and messages show: the URI without secrets, plus the table or query.
    label: str
    table: str | None = None
    query: str | None = None
    format: str | None = None
    storage_options: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    #: An in-memory frame (the Python API's DataFrame / LazyFrame source).
    frame: pl.LazyFrame | None = None
    #: Whether a SQL source's aggregates may be computed by its database.
    pushdown: bool = True
    secrets: frozenset[str] = frozenset()

    @property
    def local_path(self) -> str | None:
        """The local path or glob this source reads, None for a URL or a frame."""
        if self.frame is not None or not is_local(self.uri):
            return None
        return self.uri.removeprefix(_FILE_SCHEME)

    @property
    def locations(self) -> tuple[str, ...]:
        """What the read reaches, for a policy: the absolute local path or glob (expand it and
        resolve symlinks to judge it), or the URL without credentials. Empty for a frame."""
        if self.frame is not None:
            return ()
        local = self.local_path
        if local is not None:
            return (local,)
        return (strip_credentials(self.uri.removeprefix(_DELTA_SCHEME)),)

    def redact(self, text: str) -> str:
        """`text` with every secret of this source replaced by ``***``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def error(self, problem: str) -> SourceError:
        """A `SourceError` naming this source by its label, its secrets scrubbed."""
        return SourceError(self.label, self.redact(problem))


def strip_credentials(uri: str) -> str:
    """`uri` without its user info's password and without credential-like query values."""
    parts = urlsplit(uri)
    netloc = parts.netloc
    if parts.password is not None:
        host = netloc.rsplit("@", 1)[1]
        netloc = f"{parts.username}:{REDACTED}@{host}" if parts.username else host
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = "&".join(
            f"{name}={REDACTED if _SECRET_NAME.search(name) else value}" for name, value in pairs
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def fill_context(text: str, context: Mapping[str, Any] | None) -> str:
    """`text` with each ``${trigger.KEY}`` replaced by the run context's ``KEY``."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        value = (context or {}).get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise SpecError(
            f"uses ${{trigger.{name}}} but the run context has no {name!r} value (a file_watch"
            " trigger supplies 'path'; runs started by hand pass it with --context)",
            path="data_source",
        )

    return _CONTEXT_REFERENCE.sub(substitute, text)


def _expand(text: str, context: Mapping[str, Any] | None, secrets: set[str]) -> str:
    filled = fill_context(text, context)
    for name in _ENV_REFERENCE.findall(filled):
        value = os.environ.get(name)
        if value is not None and len(value) >= _MIN_SECRET_CHARS:
            secrets.add(value)
    return expand_env(filled, path="data_source")


def _uri_secrets(uri: str) -> set[str]:
    found: set[str] = set()
    try:
        parts = urlsplit(uri)
        if parts.password:
            found.add(parts.password)
        for name, value in parse_qsl(parts.query):
            if _SECRET_NAME.search(name) and value:
                found.add(value)
    except ValueError:  # not a URL
        pass
    return found


def resolve_source(
    value: SourceValue | SourceSpec, *, context: Mapping[str, Any] | None = None
) -> DataSource:
    """`value` resolved for a run with `context`; `SpecError` when it cannot be (a bad spec,
    an unset variable, a placeholder the context does not fill, no reader for it)."""
    if is_frame(value):
        frame = value.lazy() if isinstance(value, pl.DataFrame) else value
        width = len(frame.collect_schema())
        kind = type(value).__name__
        return DataSource(uri=f"<{kind}>", key="frame", label=f"polars {kind} ({width} columns)",
                          frame=frame)  # fmt: skip
    spec = value if isinstance(value, SourceSpec) else parse_source_spec(value)
    secrets: set[str] = set()
    uri = _expand(spec.uri, context, secrets)
    storage: dict[str, str] = {}
    for name, option in (spec.storage_options or {}).items():
        storage[name] = _expand(option, context, secrets)
        if _SECRET_NAME.search(name) and storage[name]:
            secrets.add(storage[name])
    if is_local(uri):
        path = os.path.abspath(os.path.expanduser(uri.removeprefix(_FILE_SCHEME)))
        uri = path
    secrets |= _uri_secrets(uri.removeprefix(_DELTA_SCHEME))
    key = source_key(uri, spec.format)
    shown = strip_credentials(uri) if not is_local(uri) else uri
    if spec.table is not None:
        shown = f"{shown} table {spec.table}"
    elif spec.query is not None:
        shown = f"{shown} query"
    return DataSource(
        uri=uri,
        key=key,
        label=shown,
        table=spec.table,
        query=spec.query,
        format=spec.format,
        storage_options=storage,
        options=dict(spec.options or {}),
        pushdown=spec.pushdown,
        secrets=frozenset(secrets),
    )


def source_label(value: object) -> str:
    """How results name `value` without reading or resolving it: secrets stripped."""
    if is_frame(value):
        return f"polars {type(value).__name__}"
    try:
        spec = parse_source_spec(value)
    except SpecError:
        return value if isinstance(value, str) else ""
    label = strip_credentials(spec.uri) if not is_local(spec.uri) else spec.uri
    if spec.table is not None:
        return f"{label} table {spec.table}"
    return f"{label} query" if spec.query is not None else label


def read_source(source: DataSource) -> pl.LazyFrame:
    """The lazy scan of a resolved source by its reader: every read goes through here, so
    this is where a policy refuses one (judging `source.locations`)."""
    if source.frame is not None:
        return source.frame
    for location in source.locations:
        check_location(location)  # the active guard (an inline spec's data roots) may refuse
    return READERS.get(source.key)(source)


def open_source(
    value: SourceValue | SourceSpec, *, context: Mapping[str, Any] | None = None
) -> pl.LazyFrame:
    """`resolve_source` then `read_source`."""
    return read_source(resolve_source(value, context=context))
