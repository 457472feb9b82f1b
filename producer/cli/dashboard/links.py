"""URLs of the dashboard's pages. Run ids may hold ``/`` and checkpoint names anything, so
both are percent-encoded whole (the routes match the rest of the path)."""

from __future__ import annotations

from html import escape
from urllib.parse import quote


def run_href(run_id: str) -> str:
    return escape("/runs/" + quote(run_id, safe=""), quote=True)


def checkpoint_href(name: str) -> str:
    return escape("/checkpoints/" + quote(name, safe=""), quote=True)
