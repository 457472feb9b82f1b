"""Alert state, rate limits and dedup windows: the Redis implementation (real Redis) and the
in-process one answer the same."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.alerts import Alerts, MemoryAlerts, RedisAlerts
from shared.async_base.action_config import NotifyOn
from shared.models import CheckpointStatus
from shared.settings import Settings

OK, WARN, FAIL, ERR = (
    CheckpointStatus.SUCCESS,
    CheckpointStatus.WARNING,
    CheckpointStatus.FAILURE,
    CheckpointStatus.ERROR,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["redis", "memory"])
async def alerts(request: pytest.FixtureRequest) -> AsyncIterator[Alerts]:
    if request.param == "memory":
        yield MemoryAlerts()
        return
    settings: Settings = request.getfixturevalue("settings")
    client: Redis = Redis.from_url(settings.redis_url)
    yield RedisAlerts(client, settings.keys)
    await client.aclose()


async def test_each_run_learns_the_status_before_it(alerts: Alerts) -> None:
    statuses = [OK, FAIL, FAIL, WARN, ERR]
    previous = [await alerts.transition("orders", f"run-{i}", s) for i, s in enumerate(statuses)]
    assert previous == [None, OK, FAIL, FAIL, WARN]
    assert await alerts.transition("users", "run-0", FAIL) is None, "per checkpoint"


async def test_a_retried_run_gets_the_same_answer(alerts: Alerts) -> None:
    await alerts.transition("orders", "run-1", OK)
    assert await alerts.transition("orders", "run-2", FAIL) == OK
    assert await alerts.transition("orders", "run-2", FAIL) == OK


async def test_dedup_window(alerts: Alerts) -> None:
    assert await alerts.first_in_window("slack:a", "f1", 60)
    assert not await alerts.first_in_window("slack:a", "f1", 60)
    assert await alerts.first_in_window("slack:a", "f2", 60)
    assert await alerts.first_in_window("slack:b", "f1", 60)


async def test_rate_limit_spaces_reservations_after_the_burst(alerts: Alerts) -> None:
    waits = [await alerts.reserve("c", rate_per_s=2.0, burst=2, max_wait_s=5) for _ in range(5)]
    assert [w is not None for w in waits] == [True] * 5
    assert waits[0] == waits[1] == 0.0
    assert [round(w or 0, 1) for w in waits[2:]] == pytest.approx([0.5, 1.0, 1.5], abs=0.06)


async def test_rate_limit_refuses_beyond_the_longest_wait(alerts: Alerts) -> None:
    assert await alerts.reserve("c", rate_per_s=1.0, burst=1, max_wait_s=0.5) == 0.0
    assert await alerts.reserve("c", rate_per_s=1.0, burst=1, max_wait_s=0.5) is None
    assert await alerts.reserve("d", rate_per_s=1.0, burst=1, max_wait_s=0.5) == 0.0


async def test_memory_limits_refill_with_time() -> None:
    clock = FakeClock()
    alerts = MemoryAlerts(clock=clock)
    assert await alerts.reserve("c", rate_per_s=1.0, burst=1, max_wait_s=0) == 0.0
    assert await alerts.reserve("c", rate_per_s=1.0, burst=1, max_wait_s=0) is None
    clock.now += 1.0
    assert await alerts.reserve("c", rate_per_s=1.0, burst=1, max_wait_s=0) == 0.0
    assert await alerts.first_in_window("c", "f", 10)
    clock.now += 10.5
    assert await alerts.first_in_window("c", "f", 10)


@pytest.mark.parametrize(
    ("notify_on", "fires"),
    [
        # (status, previous) pairs: first run failing, new failure, still failing, recovery,
        # still passing, warning after success
        (NotifyOn.NEW_FAILURE, [True, True, False, False, False, False]),
        (NotifyOn.RECOVERED, [False, False, False, True, False, False]),
        (NotifyOn.CHANGED, [False, True, True, True, False, True]),
    ],
)
def test_transition_conditions(notify_on: NotifyOn, fires: list[bool]) -> None:
    pairs = [(FAIL, None), (ERR, OK), (FAIL, ERR), (WARN, FAIL), (OK, OK), (WARN, OK)]
    assert [notify_on.matches(status, previous) for status, previous in pairs] == fires
