"""Code blocks of the docs, so tests run exactly what the docs show."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
_SNIPPET = re.compile(r"<!-- snippet: (?P<name>[\w-]+) -->\s*```\w*\n(?P<code>.*?)```", re.DOTALL)


def snippet(name: str, document: str = "wire-contract.md") -> str:
    """The fenced block that follows ``<!-- snippet: name -->`` in `document`."""
    for match in _SNIPPET.finditer((DOCS / document).read_text()):
        if match.group("name") == name:
            return match.group("code")
    raise LookupError(f"no snippet {name!r} in docs/{document}")
