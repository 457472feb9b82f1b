"""The declarative form of a checkpoint's ``data_source``, and its checks (reads nothing).

A ``data_source`` is one of:

- a string: a path, a glob or a URL (``data/orders.csv``, ``s3://bucket/in/*.parquet``,
  ``https://host/x.csv``, ``postgresql://user:pass@host/db``, ``delta:///lake/orders``);
- a map with ``uri`` and the options of its kind (`SourceSpec`): ``table`` or ``query`` for
  SQL, ``storage_options`` for object storage, ``format`` when the URI does not tell it
  (``format: delta``), and ``options`` for a plugin reader;
- in the Python API only, a polars ``DataFrame`` or ``LazyFrame`` (in-process runs only: it
  cannot travel to a worker).

Strings in the ``uri`` and ``storage_options`` may hold ``${VAR}`` references (expanded when
the source is resolved, see `shared.sources.resolved`) and ``${trigger.KEY}`` placeholders
filled from the run context (``${trigger.path}``: the file a ``file_watch`` trigger saw).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator

from shared.errors import SpecError
from shared.problems import problems_from_validation_error

#: What ``Checkpoint(data_source=...)`` accepts.
SourceValue = str | os.PathLike[str] | Mapping[str, Any] | pl.DataFrame | pl.LazyFrame

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_FILE_SCHEME = "file://"
#: A reference that is resolved later (``${VAR}``, ``${trigger.path}``): never made absolute.
_PLACEHOLDER_START = "${"


class SourceSpec(BaseModel):
    """The map form of ``data_source``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Path, glob or URL; ``${VAR}`` and ``${trigger.KEY}`` allowed.
    uri: str = Field(min_length=1)
    #: The reader to use when the URI does not tell (``delta``, ``csv``, ``parquet``...).
    format: str | None = None
    #: SQL: the table (``schema.name``) to read...
    table: str | None = None
    #: ... or the query whose rows are the data.
    query: str | None = None
    #: Object storage: endpoint, region, credentials (passed to polars / deltalake).
    storage_options: dict[str, str] | None = None
    #: Options for a plugin reader, handed to it as they are.
    options: dict[str, JsonValue] | None = None
    #: SQL: let the database compute the exact aggregates (false: fetch the columns and let
    #: polars compute everything, e.g. to compare the two).
    pushdown: bool = True

    @model_validator(mode="after")
    def _table_or_query(self) -> SourceSpec:
        if self.table is not None and self.query is not None:
            raise ValueError("give either table or query, not both")
        return self


def is_frame(value: object) -> TypeGuard[pl.DataFrame | pl.LazyFrame]:
    """Whether `value` is an in-memory polars frame (a source only in-process runs can read)."""
    return isinstance(value, (pl.DataFrame, pl.LazyFrame))


def parse_source_spec(value: object) -> SourceSpec:
    """`value` (string or map) as a `SourceSpec`; `SpecError` naming each bad field."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        if not value.strip():
            raise SpecError("must be a non-empty path, glob or URL")
        return SourceSpec(uri=value)
    if isinstance(value, Mapping):
        try:
            return SourceSpec.model_validate(dict(value))
        except ValidationError as exc:
            problems = problems_from_validation_error(exc, prefix="")
            raise SpecError("; ".join(str(problem) for problem in problems)) from None
    raise SpecError(
        "must be a path, glob or URL, a map with 'uri' and its options, or (in-process only)"
        f" a polars DataFrame or LazyFrame; got {type(value).__name__}"
    )


def plain_source(value: SourceValue) -> str | dict[str, Any]:
    """`value` as spec data (msgpack-able); `SpecError` for a frame, which cannot travel."""
    if is_frame(value):
        raise SpecError(
            "a polars DataFrame or LazyFrame runs only in-process (the local backend); to run"
            " on the fleet, give a path or URL the workers can read",
            path="data_source",
        )
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value  # type: ignore[return-value]  # a str, or a bad value validate() reports


def is_local(uri: str) -> bool:
    """Whether `uri` names local files (a path, a glob, or a ``file://`` URL)."""
    return uri.startswith(_FILE_SCHEME) or _SCHEME.match(uri) is None


def anchor_source(value: Any, base_dir: Path) -> Any:
    """`value` with a relative local path made absolute against `base_dir` (the directory of
    the definition file that names it); anything else unchanged."""
    if isinstance(value, str):
        return _anchor(value, base_dir)
    if isinstance(value, Mapping) and isinstance(value.get("uri"), str):
        return {**value, "uri": _anchor(value["uri"], base_dir)}
    return value


def _anchor(uri: str, base_dir: Path) -> str:
    if not uri.strip() or not is_local(uri) or uri.startswith(_PLACEHOLDER_START):
        return uri
    path = uri.removeprefix(_FILE_SCHEME)
    if os.path.isabs(os.path.expanduser(path)):
        return uri
    return str(base_dir / path)
