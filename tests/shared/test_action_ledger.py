"""`RedisActionLedger`: the first attempt runs an action, a later one reports its outcome, or
that it was interrupted, and never runs it again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.action_ledger import RedisActionLedger
from shared.models import ActionResult, ActionStatus
from shared.settings import Settings


@pytest.fixture
async def ledger(settings: Settings) -> AsyncIterator[RedisActionLedger]:
    client = Redis.from_url(settings.redis_url)
    yield RedisActionLedger(client, settings.keys, ttl_s=60)
    await client.aclose()


async def test_a_finished_action_reports_its_outcome_again(ledger: RedisActionLedger) -> None:
    assert await ledger.begin("run-1", "0:notify") is None
    done = ActionResult(action_name="notify", action_type="webhook", status=ActionStatus.SUCCESS)
    await ledger.end("run-1", "0:notify", done)
    again = await ledger.begin("run-1", "0:notify")
    assert again is not None and again.status is ActionStatus.SUCCESS
    assert "earlier attempt" in again.message
    assert await ledger.begin("run-2", "0:notify") is None, "another run is another run"


async def test_an_interrupted_action_is_skipped_not_repeated(ledger: RedisActionLedger) -> None:
    assert await ledger.begin("run-1", "1:notify") is None  # its worker dies here
    again = await ledger.begin("run-1", "1:notify")
    assert again is not None and again.status is ActionStatus.SKIPPED
    assert "may have completed" in again.message and "at most once" in again.message
