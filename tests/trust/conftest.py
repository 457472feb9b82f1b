"""A fleet with the default trust settings, for replaying attacks: two real worker processes
(``python -m worker``) and a real scheduler (``python -m producer``) on the private Redis,
started once per module. Only what an operator configures anyway is set: the Redis URL, the
definitions file (with a webhook whose URL and token come from the environment) and nothing
of the inline-spec policy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis

from shared import codec
from shared.models import CheckpointResult
from shared.settings import Settings
from tests.producer.scheduler_process import SchedulerProcess
from tests.support.http_server import RecordingHTTPServer, Reply
from tests.support.processes import ManagedProcess, waking_worker_argv
from tests.support.redis_server import RedisServer

#: The secret in the webhook URL of the registered ``hooked`` checkpoint, and its token.
HOOK_SECRET = "hooksecret-T0K3N-abcdef123456"
HOOK_TOKEN = "tokensecret-9f8e7d6c5b4a"
ROWS = "id,amount\n1,10.5\n2,20.0\n3,7.25\n"
DEFINITIONS = """\
checkpoints:
  - name: orders
    data_source: {data}/orders.csv
    validators: [null]
  - name: ticking
    data_source: {data}/orders.csv
    validators: [null]
    triggers:
      - {{type: schedule, name: every2s, interval_seconds: 2}}
  - name: hooked
    data_source: {data}/orders.csv
    validators: [null]
    actions:
      - type: webhook
        url: "${{TRUST_HOOK_URL}}"
        headers: {{X-Token: "${{TRUST_HOOK_TOKEN}}"}}
"""


@dataclass
class Fleet:
    settings: Settings
    workers: list[ManagedProcess]
    scheduler: ManagedProcess
    hook: RecordingHTTPServer
    data_dir: Path

    def assert_up(self) -> None:
        for process in [*self.workers, self.scheduler]:
            assert process.process.poll() is None, f"{process.name} died:\n{process.log()}"

    def logs(self) -> str:
        return "\n".join(process.log() for process in [*self.workers, self.scheduler])


@pytest.fixture(scope="module")
def hook() -> Iterator[RecordingHTTPServer]:
    with RecordingHTTPServer() as server:
        yield server


@pytest.fixture(scope="module")
def fleet(
    redis_server: RedisServer,
    hook: RecordingHTTPServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Fleet]:
    if not redis_server.running:
        redis_server.start()
    base = tmp_path_factory.mktemp("trust")
    data = base / "data"
    data.mkdir()
    (data / "orders.csv").write_text(ROWS)
    definitions = base / "checkpoints.yaml"
    definitions.write_text(DEFINITIONS.format(data=data))
    env = {
        "CHECKFLEET_REDIS_URL": redis_server.url,
        "CHECKFLEET_CHECKPOINTS": str(definitions),
        "TRUST_HOOK_URL": f"{hook.url}/hook/{HOOK_SECRET}",
        "TRUST_HOOK_TOKEN": HOOK_TOKEN,
    }
    logs = base / "logs"
    logs.mkdir()
    workers = [
        ManagedProcess(f"worker-{index}", waking_worker_argv(), env, logs) for index in range(2)
    ]
    scheduler = SchedulerProcess("scheduler", env, logs)
    try:
        for process in workers:
            process.wait_for_log("ready", timeout_s=30)
        scheduler.wait_for_log("started", timeout_s=30)
        yield Fleet(Settings.from_env(env), workers, scheduler, hook, data)
    finally:
        for process in [scheduler, *workers]:
            process.stop()


@pytest.fixture
async def redis(fleet: Fleet, redis_server: RedisServer) -> AsyncIterator[Redis]:
    """A client of the fleet's Redis, emptied of the previous test's streams and jobs."""
    client = Redis.from_url(redis_server.url)
    await client.flushdb()
    fleet.hook.requests.clear()
    yield client
    await client.aclose()


#: Run ids of the scheduler's own firings (of ``ticking``, every 2 s), which the attack
#: tests leave out of their counts.
TICKS = "ticking:every2s:"


async def results(
    redis: Redis, settings: Settings, *, ticks: bool = False
) -> list[CheckpointResult]:
    """The published results, without the scheduler's own ticks unless `ticks`."""
    entries = await redis.xrange(settings.keys.results)
    found = [codec.decode_result(fields[b"result"]) for _, fields in entries]
    return [result for result in found if ticks or not result.run_id.startswith(TICKS)]


async def dead_letters(
    redis: Redis, settings: Settings, *, ticks: bool = False
) -> list[dict[bytes, bytes]]:
    """The dead letters, without the scheduler's own ticks unless `ticks` (the per-test flush
    under a live fleet can take a tick's job key while a worker claims it)."""
    entries = [fields for _, fields in await redis.xrange(settings.keys.dead)]
    return [
        fields
        for fields in entries
        if ticks or not fields.get(b"job_id", b"").startswith(TICKS.encode())
    ]


async def wait_for(
    redis: Redis, settings: Settings, *, outcomes: int, timeout_s: float = 20
) -> None:
    """Until results plus dead letters add up to `outcomes` and the queue is empty."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = len(await results(redis, settings)) + len(await dead_letters(redis, settings))
        queued = await redis.zrange(settings.keys.queue, 0, -1)
        if done >= outcomes and not [job for job in queued if not job.startswith(b"ticking:")]:
            await asyncio.sleep(0.2)  # a late duplicate would show up now
            return
        await asyncio.sleep(0.05)
    raise AssertionError(
        f"{outcomes} outcomes expected; results {await results(redis, settings)},"
        f" dead letters {await dead_letters(redis, settings)}"
    )


def echo(secret_url: str) -> Reply:
    """A 404 whose body echoes the URL back, raw and percent-quoted, as some servers do."""
    from urllib.parse import quote

    body = f"no route for {secret_url} ({quote(secret_url, safe='')})".encode()
    return Reply(status=404, body=body)
