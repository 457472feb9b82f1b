"""Real scheduler processes against the private Redis: ticks, signals, crashes, outages."""

from __future__ import annotations

import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis as sync_redis

from shared.keys import Keys
from shared.settings import Settings
from tests.producer.conftest import write_definitions
from tests.producer.scheduler_process import SchedulerProcess, scheduler_process
from tests.support.faulty_scheduler import FAULT_EXIT_CODE
from tests.support.processes import ManagedProcess
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow
KEYS = Keys()


def queued(client: sync_redis.Redis) -> list[str]:
    return [raw.decode() for raw in client.zrange(KEYS.queue, 0, -1)]


def wait_for(condition: object, timeout_s: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def client(redis_url: str) -> sync_redis.Redis:
    return sync_redis.Redis.from_url(redis_url)


def test_two_schedulers_on_one_schedule_enqueue_each_of_ten_ticks_once(
    settings: Settings, client: sync_redis.Redis, tmp_path: Path
) -> None:
    # far enough ahead that both processes are up before the first tick (checked below)
    start = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
    end = start + timedelta(seconds=9)
    trigger = {
        "type": "schedule",
        "name": "every",
        "interval_seconds": 1,
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
    }
    # overlap allow: no worker takes the jobs, and skip would hold back all but the first
    definitions = write_definitions(
        tmp_path, [{"name": "orders", "triggers": [trigger], "overlap": "allow"}]
    )
    env = {"CHECKFLEET_REDIS_URL": settings.redis_url, "CHECKFLEET_CHECKPOINTS": definitions}
    with (
        scheduler_process("scheduler-a", env, tmp_path) as first,
        scheduler_process("scheduler-b", env, tmp_path) as second,
    ):
        assert datetime.now(UTC) < start, "the schedulers took too long to start"
        wait_for(lambda: datetime.now(UTC) > end + timedelta(seconds=1.5), 30, "the last tick")
        logs = first.log() + second.log()
        assert first.terminate() == 0 and second.terminate() == 0
    expected = [f"orders:every:{(start + timedelta(seconds=n)).isoformat()}" for n in range(10)]
    assert sorted(queued(client)) == expected, logs
    logs = first.log() + second.log()
    assert logs.count("enqueued orders:every:") == 10, logs
    for process in (first, second):  # both took part: each decided about ticks
        assert "orders:every:" in process.log()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_scheduler_cleanly(
    settings: Settings, tmp_path: Path, signum: signal.Signals
) -> None:
    env = {"CHECKFLEET_REDIS_URL": settings.redis_url}
    with scheduler_process("scheduler", env, tmp_path) as process:
        assert process.terminate(signum) == 0, process.log()
        assert "stopped" in process.log()


def test_a_bad_definition_file_exits_2_naming_the_field(settings: Settings, tmp_path: Path) -> None:
    definitions = write_definitions(tmp_path, [{"name": "orders", "overlap": "never"}])
    env = {"CHECKFLEET_REDIS_URL": settings.redis_url, "CHECKFLEET_CHECKPOINTS": definitions}
    process = SchedulerProcess("scheduler", env, tmp_path)
    try:
        assert process.process.wait(timeout=30) == 2
        assert "checkpoints[0].overlap: must be one of" in process.log()
    finally:
        process.close()


def test_a_scheduler_killed_between_read_and_enqueue_loses_nothing(
    settings: Settings, client: sync_redis.Redis, tmp_path: Path
) -> None:
    env = {"CHECKFLEET_REDIS_URL": settings.redis_url}
    crashing = ManagedProcess(
        "scheduler-a",
        [sys.executable, "-m", "tests.support.faulty_scheduler", "exit-after-request-read"],
        env,
        tmp_path,
    )
    try:
        crashing.wait_for_log("started")
        client.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "r-1"})
        assert crashing.process.wait(timeout=20) == FAULT_EXIT_CODE, crashing.log()
    finally:
        crashing.close()
    assert queued(client) == []
    assert client.xpending(KEYS.requests, KEYS.schedulers_group)["pending"] == 1
    with scheduler_process("scheduler-b", env, tmp_path, "--claim-idle-s", "0.5") as second:
        wait_for(lambda: queued(client) == ["r-1"], what="the claimed request")
        wait_for(
            lambda: client.xpending(KEYS.requests, KEYS.schedulers_group)["pending"] == 0,
            what="the acknowledgement",
        )
        assert second.terminate() == 0


def test_a_redis_restart_is_survived(
    settings: Settings, redis_server: RedisServer, tmp_path: Path
) -> None:
    env = {"CHECKFLEET_REDIS_URL": settings.redis_url}
    with scheduler_process("scheduler", env, tmp_path) as process:
        client = sync_redis.Redis.from_url(settings.redis_url)
        client.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "before"})
        wait_for(lambda: queued(client) == ["before"], what="the first request")
        redis_server.stop()
        time.sleep(1.5)  # the scheduler notices: its reads fail and it backs off
        redis_server.start()  # empty again: no persistence
        client = sync_redis.Redis.from_url(settings.redis_url)
        client.xadd(KEYS.requests, {"checkpoint": "orders", "run_id": "after"})
        wait_for(lambda: queued(client) == ["after"], 30, "the request after the restart")
        assert process.process.poll() is None
        assert "retrying in" in process.log()
        assert process.terminate() == 0, process.log()
