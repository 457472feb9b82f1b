"""The history API: filters, `since` forms, previous run and diffs, on both store backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from producer.client.history import RunHistory, parse_statuses, parse_when
from shared.models import CheckpointStatus
from shared.store import open_store
from tests.support.history import START, issue, run_at

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", NOW - timedelta(seconds=90)),
        ("30m", NOW - timedelta(minutes=30)),
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        ("1.5h", NOW - timedelta(minutes=90)),
        ("2026-01-05", datetime(2026, 1, 5, tzinfo=UTC)),
        ("2026-01-05T08:30:00+01:00", datetime(2026, 1, 5, 7, 30, tzinfo=UTC)),
    ],
)
def test_when_is_a_duration_ago_or_a_timestamp(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW) == expected


def test_a_bad_when_names_the_accepted_forms() -> None:
    with pytest.raises(ValueError, match=r"neither a duration \(90s, 30m, 24h, 7d, 2w\)"):
        parse_when("yesterday", now=NOW)


def test_statuses_by_name_or_list() -> None:
    assert parse_statuses("failure,ERROR") == (CheckpointStatus.FAILURE, CheckpointStatus.ERROR)
    with pytest.raises(ValueError, match="unknown status 'broken'; known: success"):
        parse_statuses("broken")


async def test_runs_filtered_by_status_and_since(store_url: str) -> None:
    async with open_store(store_url) as store:
        await store.record(
            [
                run_at(0, status=CheckpointStatus.FAILURE),
                run_at(1),
                run_at(2, status=CheckpointStatus.FAILURE),
                run_at(3, name="users", status=CheckpointStatus.FAILURE),
            ]
        )
    async with RunHistory.open(store_url) as history:
        failures = await history.runs("orders", status="failure")
        assert [r.run_id for r in failures] == ["orders-2", "orders-0"]
        recent = await history.runs(since=START + timedelta(minutes=2), limit=1)
        assert [r.run_id for r in recent] == ["users-3"]
        assert (await history.get("orders-1")) == run_at(1)
        assert [r.run_id for r in await history.latest()] == ["orders-2", "users-3"]


async def test_diff_against_the_previous_run(store_url: str) -> None:
    async with open_store(store_url) as store:
        await store.record(
            [
                run_at(0, rows=1000, issues=[issue("null", "email")]),
                run_at(1, rows=1200, null_ratio=0.01, issues=[issue("unique", "id")]),
                run_at(2, source="other.csv"),  # another data source: not "the run before"
            ]
        )
        history = RunHistory(store)
        changes = await history.diff("orders", "orders-1")
        assert changes is not None and changes.previous is not None
        assert changes.previous.run_id == "orders-0"
        assert [(i.validator, i.column) for i in changes.new_issues] == [("unique", "id")]
        assert [(i.validator, i.column) for i in changes.resolved_issues] == [("null", "email")]
        moved = {change.label: (change.before, change.after) for change in changes.moved_figures}
        assert moved == {
            "null.email.checked": (1000, 1200),
            "null.email.failing": (0, 12),
            "null.email.ratio": (0.0, 0.01),
            "row_count.rows": (1000, 1200),
            "run.row_count": (1000, 1200),
        }
        first = await history.diff("orders", "orders-0")
        assert first is not None and first.previous is None
        assert await history.diff("nobody") is None
