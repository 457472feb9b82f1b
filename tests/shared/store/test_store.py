"""Every store backend against the same expectations: idempotent recording, the history
queries with their filters, latest per checkpoint, figures over time, migrations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.errors import StoreError
from shared.models import CheckpointStatus
from shared.store import FigureQuery, ResultStore, RunQuery, check_store_url, open_store
from tests.support.history import START, issue, run_at

SUCCESS, FAILURE, ERROR = CheckpointStatus.SUCCESS, CheckpointStatus.FAILURE, CheckpointStatus.ERROR


async def test_a_recorded_run_comes_back_whole(store: ResultStore) -> None:
    result = run_at(0, status=FAILURE, issues=[issue()])
    assert await store.record([result]) == 1
    assert await store.get_run("orders-0") == result
    assert await store.get_run("missing") is None


async def test_recording_is_idempotent_by_run_id(store: ResultStore) -> None:
    first = [run_at(0), run_at(1)]
    assert await store.record(first) == 2
    assert await store.record([run_at(1), run_at(2), run_at(2)]) == 1
    assert await store.count_runs() == 3
    figures = await store.figures(FigureQuery("orders", metric="row_count"))
    assert [point.run_id for point in figures] == ["orders-0", "orders-1", "orders-2"]


async def test_runs_are_newest_first_and_filtered(store: ResultStore) -> None:
    await store.record(
        [
            run_at(0, status=SUCCESS),
            run_at(1, status=FAILURE),
            run_at(2, status=ERROR),
            run_at(3, status=FAILURE, source="other.csv"),
            run_at(4, name="users"),
        ]
    )

    async def ids(**filters: object) -> list[str]:
        return [result.run_id for result in await store.runs(RunQuery(**filters))]  # type: ignore[arg-type]

    assert await ids() == ["users-4", "orders-3", "orders-2", "orders-1", "orders-0"]
    assert await ids(checkpoint="orders", limit=2) == ["orders-3", "orders-2"]
    assert await ids(statuses=(FAILURE,)) == ["orders-3", "orders-1"]
    assert await ids(statuses=(FAILURE, ERROR), data_asset="orders.csv") == [
        "orders-2",
        "orders-1",
    ]
    assert await ids(since=START + timedelta(minutes=3)) == ["users-4", "orders-3"]
    assert await ids(checkpoint="orders", before=START + timedelta(minutes=2)) == [
        "orders-1",
        "orders-0",
    ]
    assert await ids(checkpoint="nobody") == []


async def test_latest_run_of_each_checkpoint(store: ResultStore) -> None:
    await store.record(
        [run_at(2, name="orders"), run_at(0, name="orders"), run_at(1, name="users")]
    )
    assert [r.run_id for r in await store.latest()] == ["orders-2", "users-1"]
    assert [r.run_id for r in await store.latest(["users"])] == ["users-1"]


async def test_figures_of_the_latest_runs_oldest_first(store: ResultStore) -> None:
    await store.record([run_at(index, null_ratio=index / 10) for index in range(5)])
    points = await store.figures(FigureQuery("orders", validator="null", metric="ratio", runs=3))
    assert [(p.run_id, p.column, p.value) for p in points] == [
        ("orders-2", "email", 0.2),
        ("orders-3", "email", 0.3),
        ("orders-4", "email", 0.4),
    ]
    assert points[0].run_time == START + timedelta(minutes=2)
    every = await store.figures(FigureQuery("orders", runs=1))
    assert {(p.validator, p.column, p.metric) for p in every} == {
        ("run", "", "row_count"),
        ("run", "", "duration_ms"),
        ("null", "email", "failing"),
        ("null", "email", "checked"),
        ("null", "email", "ratio"),
        ("row_count", "", "rows"),
    }


async def test_counts_per_checkpoint(store: ResultStore) -> None:
    await store.record([run_at(0), run_at(1), run_at(2, name="users")])
    assert await store.count_runs("orders") == 2
    assert await store.count_runs() == 3


async def test_reopening_keeps_the_runs_and_migrates_once(store_url: str) -> None:
    async with open_store(store_url) as store:
        await store.record([run_at(0)])
    async with open_store(store_url) as store:
        assert await store.count_runs() == 1


async def test_a_closed_store_says_so() -> None:
    store = open_store("sqlite:///unused.db")
    with pytest.raises(StoreError, match="not open"):
        await store.count_runs()


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "sqlite:///", "sqlite://relative.db", "/a/path.db", "postgresql:/x"]
)
def test_bad_store_urls_say_what_is_expected(url: str) -> None:
    with pytest.raises(ValueError, match="sqlite:///"):
        check_store_url(url)
