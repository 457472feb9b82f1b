"""A plugin (CHECKFLEET_PLUGINS) registering the reader ``*.fatal``, which kills its worker on
the spot, as a crash or the OOM killer would: a run that dies every time it is read, however
often it is re-run (actions run at most once per run id; reads run each time)."""

from __future__ import annotations

import os

import polars as pl

from shared.sources import READERS


def read_fatally(source: object) -> pl.LazyFrame:
    os._exit(70)


READERS.add("fatal", read_fatally, replace=True)
