"""The dashboard's pages and actions over HTTP: against the embedded store without a fleet,
and against a real fleet (cancel with and without the token)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import redis as sync_redis

from shared import codec
from shared.job import CANCELLED_MESSAGE
from shared.models import CheckpointStatus, Severity, ValidationIssue
from shared.settings import Settings
from shared.store import default_store_url, open_store
from tests.producer.cli.dashboard.conftest import TOKEN, Dashboard, start_dashboard
from tests.support.results import make_result

pytestmark = pytest.mark.slow


async def record_history(directory: Path) -> None:
    """What `checkfleet run` leaves in the embedded store: three runs of `orders`, one of a
    checkpoint whose name and message are markup."""
    runs = [
        make_result(CheckpointStatus.SUCCESS, run_id=f"h-{n}").model_copy(
            update={"row_count": 1000 + n * 10, "issues": []}
        )
        for n in range(3)
    ]
    hostile = make_result(name="<b>x</b>", run_id="h-x").model_copy(
        update={
            "issues": [
                ValidationIssue(
                    validator="[bold]nul",
                    issue_type="null_values",
                    count=1,
                    severity=Severity.HIGH,
                    message="<script>alert(1)</script>",
                )
            ]
        }
    )
    async with open_store(default_store_url(directory)) as store:
        await store.record([*runs, hostile])


def test_the_embedded_store_alone_serves_the_grid_runs_and_charts(tmp_path: Path) -> None:
    asyncio.run(record_history(tmp_path))
    # No store configured (the test session sets one): the embedded default under cwd.
    no_store = {"CHECKFLEET_REDIS_URL": "", "CHECKFLEET_STORE_URL": ""}
    dashboard = start_dashboard(no_store, tmp_path, cwd=tmp_path)
    try:
        overview = dashboard.get("/")
        assert "no fleet: CHECKFLEET_REDIS_URL is not set" in overview
        assert 'data-checkpoint="orders"' in overview and "the embedded one at" in overview
        assert overview.count('class="run success"') == 3  # the trend of orders' three runs
        assert "&lt;b&gt;x&lt;/b&gt;" in overview and "<b>x</b>" not in overview

        run = dashboard.get("/runs/h-x")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in run and "<script>alert" not in run
        assert "[bold]nul" in run

        charts = dashboard.get("/checkpoints/orders")
        assert "rows read" in charts and charts.count("<polyline") >= 3
        assert "1,020" in charts  # the highest row count labels the axis

        assert dashboard.post("/actions/cancel", {"run_id": "h-1", "token": "x"})[0] == 404
    finally:
        dashboard.process.stop()


def test_cancel_needs_the_token_and_the_run_result_says_cancelled(
    dashboard: Dashboard, settings: Settings
) -> None:
    code, _, err = dashboard.checkfleet("enqueue", "slow", "--run-id", "c-1")
    assert code == 0, err
    client = sync_redis.Redis.from_url(settings.redis_url)
    try:
        deadline = time.monotonic() + 20
        while not client.exists(settings.keys.arq_in_progress("c-1")):
            assert time.monotonic() < deadline, "the slow run never started"
            time.sleep(0.05)
        # listed by id, with its worker and how long it has run, until it ends
        overview = dashboard.get("/")
        assert 'href="/runs/c-1">c-1</a>' in overview and "1 of 1" in overview
        running = json.loads(dashboard.get("/api/fleet"))["runs_in_progress"]
        assert running["total"] == 1 and running["oldest"][0]["run_id"] == "c-1"
        assert running["oldest"][0]["worker_id"] and running["oldest"][0]["running_s"] >= 0
        assert dashboard.post("/actions/cancel", {"run_id": "c-1", "token": "wrong"})[0] == 403
        status, _ = dashboard.post("/actions/cancel", {"run_id": "c-1", "token": TOKEN})
        assert status == 303
        deadline = time.monotonic() + 15
        while (raw := client.get(settings.keys.run_result("c-1"))) is None:
            assert time.monotonic() < deadline, "no result after the cancel"
            time.sleep(0.05)
    finally:
        client.close()
    result = codec.decode_result(raw)
    assert result.status is CheckpointStatus.ERROR
    assert result.error is not None and CANCELLED_MESSAGE in result.error
    assert CANCELLED_MESSAGE in dashboard.get("/runs/c-1")


def test_run_again_enqueues_a_new_run_of_the_checkpoint(dashboard: Dashboard) -> None:
    assert dashboard.checkfleet("enqueue", "orders", "--run-id", "a-1", "--wait")[0] == 0
    status, _ = dashboard.post("/actions/rerun", {"run_id": "a-1"})
    assert status == 403  # no token
    status, _ = dashboard.post("/actions/rerun", {"run_id": "a-1", "token": TOKEN})
    assert status == 303
    deadline = time.monotonic() + 20
    while True:
        _, out, _ = dashboard.checkfleet("results", "-c", "orders", "--json")
        if len(out.splitlines()) == 2:
            break
        assert time.monotonic() < deadline, "the run again never ran"
        time.sleep(0.2)
    newest = json.loads(out.splitlines()[0])
    assert newest["run_id"] != "a-1" and newest["status"] == "success"
    assert newest["result"]["provenance"]["origin"] == "client:rerun-of:a-1"
    assert 're-run of</th><td><a href="/runs/a-1">a-1</a>' in dashboard.get(
        "/runs/" + newest["run_id"]
    )


def test_dead_letters_are_listed_escaped_and_requeued_with_the_token(
    dashboard: Dashboard, settings: Settings
) -> None:
    client = sync_redis.Redis.from_url(settings.redis_url)
    try:
        payload = codec.packb({"checkpoint": "orders", "run_id": "dl-9"})
        entry = client.xadd(
            settings.keys.dead,
            {"reason": "<i>no plugin</i>", "source": "job", "payload": payload, "job_id": "dl-9"},
        ).decode()
    finally:
        client.close()
    page = dashboard.get("/dead")
    assert entry in page and "&lt;i&gt;no plugin&lt;/i&gt;" in page and "<i>no" not in page
    assert '"run_id": "dl-9"' in page.replace("&quot;", '"')
    assert dashboard.post("/actions/requeue", {"entry_id": entry})[0] == 403
    status, _ = dashboard.post("/actions/requeue", {"entry_id": entry, "token": TOKEN})
    assert status == 303
    assert "no dead letter" in dashboard.get("/dead")
    deadline = time.monotonic() + 20
    while "dl-9" not in dashboard.checkfleet("results", "--json")[1]:
        assert time.monotonic() < deadline, "the requeued run never ran"
        time.sleep(0.2)
