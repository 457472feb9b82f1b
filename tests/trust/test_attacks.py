"""Each attack of issue 13, replayed by someone with only Redis write access against real
workers and a real scheduler with the default trust settings: nothing of it runs, reads,
writes or leaks, every process stays up, and each attack ends in one dead letter or one
`error` result."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgpack
import pytest
from redis.asyncio import Redis

from shared.enqueue import enqueue_run
from shared.job import RUN_CHECKPOINT, UNDECODABLE_JOB, RunRequest
from shared.keys import Keys
from shared.models import CheckpointStatus
from shared.redis_connection import connect_arq
from tests.support.hostile import flood
from tests.support.http_server import RecordingHTTPServer
from tests.trust.conftest import (
    HOOK_SECRET,
    HOOK_TOKEN,
    Fleet,
    dead_letters,
    echo,
    results,
    wait_for,
)

pytestmark = pytest.mark.slow


async def put_job(redis: Redis, fleet: Fleet, job_id: str | bytes, raw: bytes) -> None:
    """What an attacker writes: job bytes under arq's key, the id in the queue, a wake."""
    key = Keys.arq_job(job_id) if isinstance(job_id, str) else Keys.arq_job_keys(job_id)[0]
    await redis.set(key, raw, px=60_000)
    await redis.zadd(fleet.settings.keys.queue, {job_id: time.time() * 1000})
    await redis.publish(fleet.settings.keys.wake, b"")


def arq_job(*args: Any, function: str = RUN_CHECKPOINT, **fields: Any) -> bytes:
    job = {"t": None, "f": function, "a": list(args), "k": {}, "et": int(time.time() * 1000)}
    job.update(fields)
    return msgpack.packb(job, use_bin_type=True)


async def run_inline(redis: Redis, fleet: Fleet, run_id: str, spec: dict[str, Any]) -> None:
    await put_job(redis, fleet, run_id, arq_job({"checkpoint": spec, "run_id": run_id}))


def spec(name: str, source: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "data_source": source, "validators": ["null"], **fields}


async def refused(redis: Redis, fleet: Fleet, count: int) -> list[str]:
    """The `error` messages of the `count` runs, once they all ended in one error each."""
    await wait_for(redis, fleet.settings, outcomes=count)
    found = await results(redis, fleet.settings)
    assert len(found) == count and not await dead_letters(redis, fleet.settings)
    assert all(result.status is CheckpointStatus.ERROR for result in found)
    fleet.assert_up()
    return [result.error or "" for result in found]


async def test_a_glob_or_a_path_outside_the_data_roots_reads_nothing(
    fleet: Fleet, redis: Redis, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere.csv").write_text("secret_column\nsecret-value\n")
    sampler = {"type": "regex", "config": {"columns": ["root"], "pattern": "x", "sample_size": 100}}
    await run_inline(redis, fleet, "glob", spec("g", "/etc/passw[.tsv?d]", validators=[sampler]))
    await run_inline(redis, fleet, "star", spec("s", str(tmp_path / "*.csv")))
    await run_inline(redis, fleet, "link", spec("l", f"file://{tmp_path}/elsewhere.csv"))
    errors = await refused(redis, fleet, 3)
    assert all("rule data-roots; allowed by CHECKFLEET_DATA_ROOTS" in error for error in errors)
    entries = await redis.xrange(fleet.settings.keys.results)
    stored = b"".join(fields[b"result"] for _, fields in entries)
    assert b"root:" not in stored and b"secret-value" not in stored


async def test_a_url_source_fetches_nothing(fleet: Fleet, redis: Redis) -> None:
    with RecordingHTTPServer() as internal:
        await run_inline(redis, fleet, "url", spec("u", f"{internal.url}/admin/users.csv"))
        [error] = await refused(redis, fleet, 1)
        assert internal.requests == []
    assert "not under a listed URL prefix" in error


async def test_store_result_writes_nothing_outside_the_store_roots(
    fleet: Fleet, redis: Redis, tmp_path: Path
) -> None:
    store = {"type": "store_result", "directory": str(tmp_path / "victim")}
    data = str(fleet.data_dir / "orders.csv")
    await run_inline(redis, fleet, "store", spec("st", data, actions=[store]))
    [error] = await refused(redis, fleet, 1)
    assert "rule store-roots" in error and not (tmp_path / "victim").exists()


async def test_custom_functions_from_unlisted_modules_are_not_imported(
    fleet: Fleet, redis: Redis
) -> None:
    data = str(fleet.data_dir / "orders.csv")
    for run_id, function in (("zen", "this:x"), ("exit", "sys:exit")):
        custom = {"type": "custom", "function": function}
        await run_inline(redis, fleet, run_id, spec(run_id, data, actions=[custom]))
    errors = await refused(redis, fleet, 2)
    assert all("rule plugins; allowed by CHECKFLEET_PLUGINS" in error for error in errors)
    assert "Beautiful is better than ugly" not in fleet.logs()  # `this` was never imported


async def test_actions_reach_no_internal_host_and_expand_no_variable(
    fleet: Fleet, redis: Redis
) -> None:
    with RecordingHTTPServer() as internal:
        leak = {
            "type": "webhook",
            "url": f"{internal.url}/collect",
            "headers": {"X-Leak": "${CHECKFLEET_REDIS_URL}"},
        }
        closed = {"type": "webhook", "url": "http://127.0.0.1:9/probe"}
        data = str(fleet.data_dir / "orders.csv")
        await run_inline(redis, fleet, "leak", spec("w1", data, actions=[leak]))
        await run_inline(
            redis,
            fleet,
            "open",
            spec("w2", data, actions=[{"type": "webhook", "url": f"{internal.url}/x"}]),
        )
        await run_inline(redis, fleet, "closed", spec("w3", data, actions=[closed]))
        errors = await refused(redis, fleet, 3)
        assert internal.requests == []
    by_run = {result.run_id: result.error or "" for result in await results(redis, fleet.settings)}
    assert "${CHECKFLEET_REDIS_URL} may not be expanded" in by_run["leak"]
    assert "rule hosts; allowed by CHECKFLEET_ACTION_HOSTS" in by_run["leak"]
    assert fleet.settings.redis_url not in "".join(errors)
    # An open and a closed port are refused alike: the messages differ only in the port.
    port = internal.url.rsplit(":", 1)[1]
    assert by_run["open"].replace(f"{port}/x", "N").replace("w2", "w") == by_run["closed"].replace(
        "9/probe", "N"
    ).replace("w3", "w")


async def test_poison_jobs_are_dead_letters_and_the_workers_stay_up(
    fleet: Fleet, redis: Redis
) -> None:
    request = {"checkpoint": "orders", "run_id": "p-0"}
    await put_job(redis, fleet, "try-not-a-number", arq_job(request, t="x"))
    await put_job(redis, fleet, "unknown-function", arq_job(request, function="os.system"))
    await put_job(redis, fleet, "kwargs-not-a-map", arq_job(request, k=[1, 2]))
    await put_job(
        redis,
        fleet,
        "forged-dead-letter",
        arq_job({"raw": b"x", "reason": "forged"}, function=UNDECODABLE_JOB),
    )
    await redis.zadd(fleet.settings.keys.queue, {"no-job-key": time.time() * 1000})
    await redis.rpush(Keys.arq_job("wrong-type"), "a", "b")
    await redis.zadd(fleet.settings.keys.queue, {"wrong-type": time.time() * 1000})
    await redis.publish(fleet.settings.keys.wake, b"")
    await wait_for(redis, fleet.settings, outcomes=6)
    letters = await dead_letters(redis, fleet.settings)
    by_job = {fields[b"job_id"].decode(): fields[b"reason"].decode() for fields in letters}
    assert sorted(by_job) == sorted(
        [
            "try-not-a-number",
            "unknown-function",
            "kwargs-not-a-map",
            "forged-dead-letter",
            "no-job-key",
            "wrong-type",
        ]
    ), by_job
    assert "may not call the internal function" in by_job["forged-dead-letter"]
    assert "forged" not in by_job["forged-dead-letter"].replace("forged-dead-letter", "")
    assert "WRONGTYPE" in by_job["wrong-type"] and "expired" in by_job["no-job-key"]
    assert await results(redis, fleet.settings) == []
    await asyncio.sleep(1.5)  # past an idle poll: a crash loop would show now
    fleet.assert_up()
    assert not [j for j in await redis.zrange(fleet.settings.keys.queue, 0, -1) if b"tick" not in j]


async def test_ids_with_control_characters_are_dead_letters_and_forge_no_log_line(
    fleet: Fleet, redis: Redis
) -> None:
    forged = "x\r\n12:00:00 INFO    worker.jobs: run finished: success"
    await put_job(redis, fleet, forged, arq_job({"checkpoint": "orders"}))
    await put_job(redis, fleet, "nul\x00id", arq_job({"checkpoint": "orders"}))
    await put_job(redis, fleet, b"\xff\xfe-not-text", arq_job({"checkpoint": "orders"}))
    await wait_for(redis, fleet.settings, outcomes=3)
    assert len(await dead_letters(redis, fleet.settings)) == 3
    assert await results(redis, fleet.settings) == []
    assert "\n12:00:00 INFO    worker.jobs: run finished" not in fleet.logs()
    fleet.assert_up()


async def test_a_huge_job_inflates_nothing(fleet: Fleet, redis: Redis) -> None:
    blob = "x" * 10_000_000
    await put_job(
        redis,
        fleet,
        "huge",
        arq_job({"checkpoint": "orders", "run_id": "huge", "context": {"blob": blob}}),
    )
    await wait_for(redis, fleet.settings, outcomes=1, timeout_s=30)
    [letter] = await dead_letters(redis, fleet.settings)
    assert b"CHECKFLEET_MAX_REQUEST_BYTES" in letter[b"reason"]
    assert len(letter[b"payload"]) <= 64 * 1024
    assert await redis.get(fleet.settings.keys.run_result("huge")) is None
    arq_result = await redis.get(Keys.arq_result("huge")) or b""
    assert len(arq_result) < 4_096
    fleet.assert_up()


async def test_secrets_never_reach_results_or_logs(fleet: Fleet, redis: Redis) -> None:
    secret_url = f"{fleet.hook.url}/hook/{HOOK_SECRET}"
    fleet.hook.script(echo(secret_url))
    pool = await connect_arq(fleet.settings)
    try:
        context = {"password": "ctx-secret-value-0042"}
        await enqueue_run(
            pool, fleet.settings.keys, RunRequest(checkpoint="hooked", run_id="hk", context=context)
        )
        await wait_for(redis, fleet.settings, outcomes=1)
    finally:
        await pool.aclose()
    assert len(fleet.hook.requests) == 1  # the operator's webhook did run
    [result] = await results(redis, fleet.settings)
    shown = json.dumps(result.to_dict()) + fleet.logs()
    for secret in (HOOK_SECRET, HOOK_TOKEN):
        assert secret not in shown and quote(secret, safe="") not in shown
    assert "HTTP 404" in (result.action_results[0].message or "")
    assert "ctx-secret-value-0042" not in fleet.logs()
    assert b"ctx-secret-value-0042" not in (await redis.get(Keys.arq_result("hk")) or b"")
    assert result.provenance["origin"] == "unknown" and result.provenance["inline"] is False


async def test_a_deeply_nested_request_is_dead_lettered_and_blocks_nothing(
    fleet: Fleet, redis: Redis
) -> None:
    stream = fleet.settings.keys.requests
    await redis.xadd(stream, {"checkpoint": "orders", "context": "[" * 2_000 + "]" * 2_000})
    await redis.xadd(
        stream, {"checkpoint": "orders", "context": '{"a":' * 2_000 + "1" + "}" * 2_000}
    )
    started = time.monotonic()
    for index in range(30):
        await redis.xadd(stream, {"checkpoint": "orders", "run_id": f"behind-{index}"})
    await wait_for(redis, fleet.settings, outcomes=32)
    assert time.monotonic() - started < 15
    assert len(await dead_letters(redis, fleet.settings)) == 2
    assert len(await results(redis, fleet.settings)) == 30
    fleet.assert_up()


async def test_a_squatted_tick_still_runs_under_a_fresh_id(fleet: Fleet, redis: Redis) -> None:
    from datetime import UTC, datetime

    now = int(time.time())
    tick = datetime.fromtimestamp(now - now % 2 + 4, UTC)
    squatted = f"ticking:every2s:{tick.isoformat()}"
    impostor = spec("ticking", "/etc/passwd.csv")
    await run_inline(redis, fleet, squatted, impostor)
    deadline = time.monotonic() + 15
    fresh: list[Any] = []
    while time.monotonic() < deadline and not fresh:
        fresh = [
            r
            for r in await results(redis, fleet.settings, ticks=True)
            if r.run_id.startswith(squatted + ".")
        ]
        await asyncio.sleep(0.1)
    assert fresh, fleet.scheduler.log()
    [real] = fresh
    assert real.status is CheckpointStatus.SUCCESS
    assert str(real.provenance["origin"]).startswith("scheduler:")
    squat = [r for r in await results(redis, fleet.settings, ticks=True) if r.run_id == squatted]
    assert squat[0].status is CheckpointStatus.ERROR and squat[0].provenance["inline"] is True
    assert f"job id {squatted} was taken by" in fleet.scheduler.log()
    fleet.assert_up()


async def test_good_runs_interleaved_with_a_flood_are_all_run(fleet: Fleet, redis: Redis) -> None:
    pool = await connect_arq(fleet.settings)
    try:
        for index in range(50):
            request = RunRequest(checkpoint="orders", run_id=f"good-{index}")
            assert await enqueue_run(pool, fleet.settings.keys, request) is not None
            await flood(redis, fleet.settings.keys, index * 20, 20)
        await wait_for(redis, fleet.settings, outcomes=1_050, timeout_s=180)
    finally:
        await pool.aclose()
    found = await results(redis, fleet.settings)
    good = [result for result in found if result.run_id.startswith("good-")]
    assert len(good) == 50 and all(r.status is CheckpointStatus.SUCCESS for r in good)
    hostile = len(found) - len(good) + len(await dead_letters(redis, fleet.settings))
    assert hostile == 1_000
    fleet.assert_up()
