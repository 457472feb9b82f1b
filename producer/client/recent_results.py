"""The newest results on the results stream, filtered: ``checkfleet results`` without
``--follow`` and the dashboard's live list start from these.

A one-shot range query (XREVRANGE), not a reader: following new results is `ResultStream`'s
job. Stream entry ids start with the append time in milliseconds, so ``since`` is an id bound
and the filters on status and checkpoint read the entry's plain fields, decoding a result only
when it is kept.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from producer.client.result_stream import ResultEntry, parse_entry
from shared.keys import Keys
from shared.validators.durations import parse_duration_s

#: Entries fetched per XREVRANGE while filtering.
PAGE = 500


@dataclass(frozen=True, slots=True)
class ResultFilter:
    """Which results to keep; the defaults keep every one."""

    since: datetime | None = None
    statuses: Collection[str] = ()
    checkpoint: str | None = None

    def keeps(self, fields: dict[Any, Any]) -> bool:
        if self.statuses and _field(fields, "status") not in self.statuses:
            return False
        return self.checkpoint is None or _field(fields, "checkpoint") == self.checkpoint

    def keeps_entry(self, entry: ResultEntry) -> bool:
        """The same test for an entry already read (``--follow``, a consumer group)."""
        if self.statuses and entry.status not in self.statuses:
            return False
        if self.checkpoint is not None and entry.checkpoint != self.checkpoint:
            return False
        if self.since is not None and entry.result is not None:
            return entry.result.run_time >= self.since
        return True

    @property
    def min_id(self) -> str:
        if self.since is None:
            return "-"
        return f"{max(0, int(self.since.timestamp() * 1000))}-0"


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A point in time from a duration back from now (``24h``, ``7d``, ``90m``) or an ISO-8601
    timestamp (a date alone is midnight UTC; no zone means UTC); `ValueError` saying what is
    accepted."""
    raw = text.strip()
    try:
        return (now or datetime.now(UTC)) - timedelta(seconds=parse_duration_s(raw))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"cannot read {text!r} as a time: use a duration back from now like 90m, 24h or 7d,"
            " or a timestamp like 2026-12-01T08:00 (UTC unless it names a zone)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def recent_results(
    redis: Any, keys: Keys, count: int, keep: ResultFilter | None = None
) -> list[ResultEntry]:
    """Up to `count` of the newest entries that `keep` keeps, newest first."""
    keep = keep or ResultFilter()
    found: list[ResultEntry] = []
    upper = "+"
    while len(found) < count:
        page = await redis.xrevrange(keys.results, max=upper, min=keep.min_id, count=PAGE)
        for entry_id, fields in page:
            if keep.keeps(fields):
                found.append(parse_entry(entry_id, fields))
                if len(found) >= count:
                    break
        if len(page) < PAGE:
            break
        upper = "(" + _text(page[-1][0])  # exclusive: continue below the last one seen
    return found


def _field(fields: dict[Any, Any], name: str) -> str:
    value = fields.get(name.encode(), fields.get(name, b""))
    return _text(value)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
