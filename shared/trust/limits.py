"""Bounds on what a message may make a process hold: nesting, sizes, and result sizes.

A job or request larger than `CHECKFLEET_MAX_REQUEST_BYTES` is refused before it is decoded;
a decoded one nested deeper than `MAX_NESTING` is refused before anything walks it
recursively (pydantic, json, the policy). Results are bounded too, so a run cannot make the
fleet store more than about `MAX_RESULT_BYTES` for it however its data or spec look.
"""

from __future__ import annotations

from typing import Any

from shared import codec
from shared.models import CheckpointResult

#: Deepest nesting of maps and lists accepted in a job, a request or a context.
MAX_NESTING = 32
#: Longest text kept in a result's messages and errors, and in one sample value.
MAX_MESSAGE_CHARS = 2_000
MAX_SAMPLE_CHARS = 200
#: Largest encoded result: beyond it samples, then statistics and metadata are dropped.
MAX_RESULT_BYTES = 256 * 1024
#: Largest payload a dead letter keeps of the message it reports.
MAX_DEAD_LETTER_PAYLOAD_BYTES = 64 * 1024
_TRUNCATED = "… (truncated)"


def nesting_problem(value: Any, max_depth: int = MAX_NESTING) -> str | None:
    """Why `value` is nested too deeply, or None. Iterative: never recurses itself."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > max_depth:
            return f"nested more than {max_depth} levels deep"
        stack.extend((child, depth + 1) for child in children)
    return None


def truncate_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + _TRUNCATED


def truncate_bytes(data: bytes, limit: int = MAX_DEAD_LETTER_PAYLOAD_BYTES) -> bytes:
    return data if len(data) <= limit else data[:limit]


def bound_result(result: CheckpointResult) -> tuple[CheckpointResult, bytes]:
    """`result` with long texts cut and, if it is still too large encoded, its samples, then
    its statistics and metadata dropped (each replaced by a note saying so); with its
    encoding (`codec.encode_result`), measured here and sent as is by the publisher."""
    if result.error is not None:
        result.error = truncate_text(result.error)
    for issue in result.issues:
        issue.message = truncate_text(issue.message)
        issue.sample = [
            truncate_text(value, MAX_SAMPLE_CHARS) if isinstance(value, str) else value
            for value in issue.sample
        ]
    for action in result.action_results:
        action.message = truncate_text(action.message)
        if action.error is not None:
            action.error = truncate_text(action.error)
    encoded = codec.encode_result(result)
    if len(encoded) <= MAX_RESULT_BYTES:
        return result, encoded
    for issue in result.issues:
        issue.sample = []
    encoded = codec.encode_result(result)
    if len(encoded) <= MAX_RESULT_BYTES:
        return result, encoded
    note = f"dropped: the result exceeded {MAX_RESULT_BYTES:,} bytes"
    result.statistics = {"truncated": note}
    result.metadata = {"truncated": note}
    result.issues = result.issues[:100]
    return result, codec.encode_result(result)
