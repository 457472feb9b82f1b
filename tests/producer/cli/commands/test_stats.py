"""`checkfleet stats` against the real private Redis, and without one."""

from __future__ import annotations

import json
import socket

from redis import Redis
from typer.testing import CliRunner

from producer.cli.app import app
from shared import codec
from shared.settings import Settings


def test_stats_reports_the_fleet(settings: Settings) -> None:
    keys = settings.keys
    client = Redis.from_url(settings.redis_url)
    try:
        client.zadd(keys.queue, {"job-1": 1})
        client.xadd(keys.results, {"run_id": "r-1", "status": "failure"})
        beat = {"worker_id": "w-1", "started_at": "2026-01-01T00:00:00+00:00"}
        client.set(keys.worker("w-1"), codec.packb({**beat, "jobs_in_progress": 1}), px=10_000)
    finally:
        client.close()
    env = {"CHECKFLEET_REDIS_URL": settings.redis_url, "COLUMNS": "200"}
    as_json = CliRunner().invoke(app, ["stats", "--json"], env=env)
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["queue_depth"] == 1
    assert report["live_workers"] == 1 and report["jobs_in_progress"] == 1
    assert report["recent_results"]["failure"] == 1
    table = CliRunner().invoke(app, ["stats"], env=env)
    assert table.exit_code == 0
    assert "live workers" in table.stdout and "w-1" in table.stdout


def test_stats_without_redis_says_where_it_looked() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once the socket is closed
    url = f"redis://:hunter2@127.0.0.1:{port}/0"
    result = CliRunner().invoke(app, ["stats"], env={"CHECKFLEET_REDIS_URL": url})
    assert result.exit_code == 3
    assert f"cannot reach Redis at redis://:***@127.0.0.1:{port}/0" in result.stderr
    assert "hunter2" not in result.output


def test_a_bad_setting_is_reported_by_the_command() -> None:
    result = CliRunner().invoke(app, ["stats"], env={"CHECKFLEET_LOG_FORMAT": "xml"})
    assert result.exit_code == 3
    assert "CHECKFLEET_LOG_FORMAT" in result.stderr


def test_stats_warns_when_redis_can_lose_runs(settings: Settings) -> None:
    # The test server runs without persistence: exactly what the warning is for.
    env = {"CHECKFLEET_REDIS_URL": settings.redis_url, "COLUMNS": "200"}
    table = CliRunner().invoke(app, ["stats"], env=env)
    assert table.exit_code == 0
    assert "persistence is off" in table.stderr and "appendonly yes" in table.stderr
    report = json.loads(CliRunner().invoke(app, ["stats", "--json"], env=env).stdout)
    assert any("persistence is off" in warning for warning in report["warnings"])
