"""Aggregate push-down: a SQL source's validation computed by the database (`pushed_down_row`),
from the same scan plan polars would run (`shared.pushdown.compiler` translates it)."""

from __future__ import annotations

from shared.errors import NotPushableError
from shared.pushdown.compiler import compile_reduction, compile_row
from shared.pushdown.runner import pushed_down_row

__all__ = ["NotPushableError", "compile_reduction", "compile_row", "pushed_down_row"]
