"""Keeping secrets out of results, errors, logs and dead letters, in every encoding.

A secret is every value an action setting expanded from ``${VAR}`` (registered process-wide
by `register_secret` as it is expanded) and every value of an action's secret fields (webhook
and Slack URLs, tokens, passwords: redacted per run). A secret is not only looked for as
itself: also percent-quoted (``quote``, ``quote_plus``), JSON-escaped, and, for a URL, its
path, query and password, which is how servers echo it back in an error body. An excerpt cut
in the middle of a secret loses the cut-off start too.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from shared.models import CheckpointResult

REDACTED = "***"
#: Shorter values are not treated as secrets: replacing them would garble every message.
MIN_SECRET_CHARS = 4
#: The shortest cut-off start of a secret that an excerpt loses.
MIN_CUT_CHARS = 8
#: URL parts shorter than this are not secret on their own (``/``, ``/api``).
MIN_URL_PART_CHARS = 8

_registered: set[str] = set()
_lock = threading.Lock()
_cached: Redactor | None = None


def secret_forms(secret: str) -> set[str]:
    """The spellings under which `secret` may show up in text."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="/:"),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
    }
    if "://" in secret:
        try:
            parts = urlsplit(secret)
            pieces = [parts.path, parts.query, parts.password or "", parts.path + "?" + parts.query]
        except ValueError:
            pieces = []
        for piece in pieces:
            if len(piece) >= MIN_URL_PART_CHARS:
                forms |= {piece, quote(piece, safe=""), quote(piece, safe="/")}
    return {form for form in forms if len(form) >= MIN_SECRET_CHARS}


class Redactor:
    """Replaces every form of its secrets with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if isinstance(secret, str) and len(secret) >= MIN_SECRET_CHARS:
                forms |= secret_forms(secret)
        self._forms = sorted(forms, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(form) for form in self._forms)) if self._forms else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def redact(self, text: str, *, excerpt: bool = False) -> str:
        """`text` without any form of a secret; with `excerpt`, a text cut at its end loses a
        trailing start of a secret too."""
        if self._pattern is None or not text:
            return text
        text = self._pattern.sub(REDACTED, text)
        if excerpt:
            for form in self._forms:
                for size in range(min(len(form) - 1, len(text)), MIN_CUT_CHARS - 1, -1):
                    if text.endswith(form[:size]):
                        return text[:-size] + REDACTED
        return text

    def redact_bytes(self, data: bytes) -> bytes:
        if self._pattern is None or not data:
            return data
        for form in self._forms:
            data = data.replace(form.encode("utf-8"), REDACTED.encode())
        return data

    def redact_tree(self, value: Any) -> Any:
        """`value` with `redact` applied to every string in its maps and lists."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact_tree(key): self.redact_tree(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_tree(item) for item in value]
        return value


def register_secret(value: str) -> None:
    """Remember `value` (expanded from the environment) as a secret of this process."""
    global _cached
    if len(value) < MIN_SECRET_CHARS or value in _registered:
        return
    with _lock:
        _registered.add(value)
        _cached = None


def process_redactor(extra: Iterable[str] = ()) -> Redactor:
    """A redactor of every registered secret, plus `extra`."""
    global _cached
    extra = list(extra)
    if extra:
        return Redactor([*_registered, *extra])
    cached = _cached
    if cached is None:
        with _lock:
            cached = _cached = Redactor(list(_registered))
    return cached


def redact(text: str) -> str:
    """`text` without any registered secret."""
    return process_redactor().redact(text)


def redact_result(result: CheckpointResult, redactor: Redactor | None = None) -> CheckpointResult:
    """`result` (changed in place) with every free-text field redacted; the fields of the
    wire contract's vocabulary (status, names, ids, times) are left alone."""
    active = redactor if redactor is not None else process_redactor()
    if not active:
        return result
    if result.error is not None:
        result.error = active.redact(result.error)
    result.data_asset = active.redact(result.data_asset)
    for issue in result.issues:
        issue.message = active.redact(issue.message)
        issue.sample = active.redact_tree(issue.sample)
    for action in result.action_results:
        action.message = active.redact(action.message)
        if action.error is not None:
            action.error = active.redact(action.error)
        action.details = active.redact_tree(action.details)
    result.statistics = active.redact_tree(result.statistics)
    result.metadata = active.redact_tree(result.metadata)
    return result
