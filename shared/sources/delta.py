"""Delta Lake tables: ``delta:///lake/orders``, ``delta://s3://bucket/orders`` or
``{"uri": "/lake/orders", "format": "delta"}``, read through polars' ``scan_delta``
(the ``deltalake`` package), with the source's ``storage_options`` for object storage."""

from __future__ import annotations

import os
import socket

import polars as pl

from shared.sources.base import READERS
from shared.sources.files import storage_options
from shared.sources.resolved import DataSource

_DELTA_SCHEME = "delta://"


def table_uri(source: DataSource) -> str:
    """The table's location: a local directory or an object-storage URL."""
    uri = source.uri.removeprefix(_DELTA_SCHEME)
    if "://" not in uri:
        return os.path.abspath(os.path.expanduser(uri))
    return uri


def read_delta(source: DataSource) -> pl.LazyFrame:
    uri = table_uri(source)
    if "://" not in uri and not os.path.isdir(os.path.join(uri, "_delta_log")):
        raise source.error(f"no Delta table at {uri} (on host {socket.gethostname()})")
    try:
        return pl.scan_delta(uri, storage_options=storage_options(source))
    except Exception as exc:  # deltalake's errors share no base class worth naming
        raise source.error(f"cannot open the Delta table: {' '.join(str(exc).split())}") from None


READERS.add("delta", read_delta)
