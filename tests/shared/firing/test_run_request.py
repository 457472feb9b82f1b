from __future__ import annotations

import re
from datetime import UTC, datetime

from shared.async_base.trigger import TriggerResult
from shared.firing.run_request import firing_request, request_run_id, tick_result, trigger_job_id
from shared.job import RUN_ID_PATTERN


def test_job_id_is_checkpoint_trigger_fire_id() -> None:
    job_id = trigger_job_id("orders", "hourly", "2026-11-28T03:00:00+00:00")
    assert job_id == "orders:hourly:2026-11-28T03:00:00+00:00"


def test_unsafe_fire_id_is_hashed_deterministically() -> None:
    fire_id = "/data/in/my orders.csv|120|1732762800000000000"
    first = trigger_job_id("orders", "files", fire_id)
    assert first == trigger_job_id("orders", "files", fire_id)
    assert first != trigger_job_id("orders", "files", fire_id + "|abc")
    assert first.startswith("orders:files:sha256-")
    assert re.match(RUN_ID_PATTERN, first)
    spaced = trigger_job_id("my orders", "new files", fire_id)
    assert spaced.startswith("my-orders:new-files:sha256-") and re.match(RUN_ID_PATTERN, spaced)


def test_request_run_id_is_derived_from_the_entry() -> None:
    assert request_run_id("1732762800000-0") == "request-1732762800000-0"
    assert re.match(RUN_ID_PATTERN, request_run_id("1732762800000-0"))


def test_firing_request_carries_the_trigger_context() -> None:
    tick = datetime(2026, 11, 28, 3, tzinfo=UTC)
    result = TriggerResult(
        should_run=True,
        reason="a file",
        fire_time=tick,
        fire_id="x",
        context={"paths": ["/a.csv"], "when": tick},
    )
    request = firing_request("orders", "files", result)
    assert request.run_id == "orders:files:x"
    assert request.context == {
        "trigger": "files",
        "fire_id": "x",
        "reason": "a file",
        "fire_time": "2026-11-28T03:00:00+00:00",
        "paths": ["/a.csv"],
        "when": "2026-11-28 03:00:00+00:00",
    }


def test_catch_up_tick_has_the_live_fire_id() -> None:
    tick = datetime(2026, 11, 28, 3, tzinfo=UTC)
    result = tick_result("cron", tick)
    assert result.fire_id == "2026-11-28T03:00:00+00:00" and result.context == {"catch_up": True}
