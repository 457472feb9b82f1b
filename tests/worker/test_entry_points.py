"""Both entry points run the same hardened worker, as real processes: arq's CLI
(``arq worker.WorkerSettings``) as much as ``python -m worker`` (and ``checkfleet worker``, which
execs it). Poison jobs are dead letters and the worker runs the next job; an unreachable Redis
at start-up is one line and exit 75 within ``CHECKFLEET_STARTUP_TIMEOUT_S``; a Redis that comes
up within that wait is simply used."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from arq.connections import ArqRedis

from shared.enqueue import enqueue_run
from shared.job import RunRequest
from shared.keys import Keys
from shared.settings import Settings
from tests.support.processes import ManagedProcess, exit_of, waking_worker_argv, worker_argv
from tests.support.redis_server import RedisServer, free_port
from tests.worker.fleet import wait_for_results, wait_until_ready
from worker.startup import EXIT_REDIS_UNREACHABLE

pytestmark = pytest.mark.slow

CHECKFLEET_WORKER = [sys.executable, "-c", "from producer.cli.app import main; main()", "worker"]
ARGV = {"arq": worker_argv(), "waking": waking_worker_argv(), "checkfleet": CHECKFLEET_WORKER}


def test_looking_up_worker_settings_makes_arqs_cli_build_our_worker() -> None:
    probe = (
        "import arq.worker, worker\n"
        "built = arq.worker.create_worker(worker.WorkerSettings, handle_signals=False)\n"
        "print(type(built).__module__, type(built).__name__, built.wake_channel)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["worker.waking", "WakingWorker", "checkfleet:wake"]


@pytest.mark.parametrize("entry", ["arq", "waking"])
async def test_poison_jobs_are_dead_letters_and_the_worker_runs_the_next_job(
    arq_pool: ArqRedis, worker_settings: Settings, spawn_worker: object, entry: str
) -> None:
    worker = spawn_worker("worker", entry)  # type: ignore[operator]
    await wait_until_ready(arq_pool, worker_settings, worker)
    queue = worker_settings.keys.queue
    now_ms = time.time() * 1000
    # arq's plain worker raised out of its main loop on both, at every lease expiry
    await arq_pool.rpush(Keys.arq_job("wrong-type"), "a", "b")
    not_text = b"\xff\xfe-not-text"
    [job_key, *_] = Keys.arq_job_keys(not_text)
    await arq_pool.psetex(job_key, 60_000, b"\x80")
    await arq_pool.zadd(queue, {"wrong-type": now_ms, not_text: now_ms})
    await arq_pool.publish(worker_settings.keys.wake, b"")
    deadline = time.monotonic() + 20
    while await arq_pool.xlen(worker_settings.keys.dead) < 2:
        assert time.monotonic() < deadline, worker.log()
        assert worker.process.poll() is None, worker.log()
        await asyncio.sleep(0.05)
    letters = [fields for _, fields in await arq_pool.xrange(worker_settings.keys.dead)]
    reasons = {fields[b"job_id"]: fields[b"reason"].decode() for fields in letters}
    assert "WRONGTYPE" in reasons[b"wrong-type"]
    assert "is not a run id" in reasons[b"\\xff\\xfe-not-text"]
    assert await arq_pool.zcard(queue) == 0
    await asyncio.sleep(1.5)  # past an idle poll: a crash loop would show now
    assert worker.process.poll() is None, worker.log()
    await enqueue_run(arq_pool, worker_settings.keys, RunRequest(checkpoint="orders", run_id="ok"))
    assert await wait_for_results(arq_pool, worker_settings, 1, timeout_s=20) == ["ok"]
    assert worker.process.poll() is None, worker.log()
    assert await arq_pool.xlen(worker_settings.keys.dead) == 2
    # python -m worker runs on uvloop (worker.event_loop); arq's CLI keeps asyncio's loop
    loop = "uvloop" if entry == "waking" else "asyncio"
    assert f"{loop} event loop" in worker.log(), worker.log()


@pytest.mark.parametrize("entry", ["arq", "waking", "checkfleet"])
def test_an_unreachable_redis_at_start_up_is_one_line_and_exit_75(
    tmp_path: Path, entry: str
) -> None:
    env = {
        "CHECKFLEET_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens
        "CHECKFLEET_STARTUP_TIMEOUT_S": "2",
    }
    code, log, took_s = exit_of(ARGV[entry], env, tmp_path)
    assert code == EXIT_REDIS_UNREACHABLE, log
    [line] = log.strip().splitlines()
    assert "worker cannot start" in line and "cannot reach Redis at redis://127.0.0.1:" in line
    assert "CHECKFLEET_STARTUP_TIMEOUT_S" in line
    assert 2 <= took_s < 10, f"exited after {took_s:.1f} s"
    print(f"{entry}: exit {code} after {took_s:.1f} s")


@pytest.mark.parametrize("entry", ["arq", "waking"])
async def test_a_redis_that_comes_up_within_the_start_up_wait_is_used(
    worker_settings: Settings, tmp_path: Path, entry: str
) -> None:
    late = RedisServer()
    env = {
        "CHECKFLEET_REDIS_URL": late.url,
        "CHECKFLEET_CHECKPOINTS": str(worker_settings.checkpoints),
        "CHECKFLEET_STARTUP_TIMEOUT_S": "20",
    }
    process = ManagedProcess(entry, ARGV[entry], env, tmp_path)
    try:
        await asyncio.sleep(1.5)
        assert process.process.poll() is None, process.log()
        late.start()
        await asyncio.to_thread(process.wait_for_log, "ready", 20)
    finally:
        process.stop()
        late.close()


async def test_the_event_loop_setting_puts_python_m_worker_on_asyncios_loop(
    arq_pool: ArqRedis, worker_settings: Settings, spawn_worker: object
) -> None:
    worker = spawn_worker("worker", "waking", CHECKFLEET_EVENT_LOOP="asyncio")  # type: ignore[operator]
    await wait_until_ready(arq_pool, worker_settings, worker)
    assert "asyncio event loop" in worker.log() and "uvloop" not in worker.log(), worker.log()
    await enqueue_run(arq_pool, worker_settings.keys, RunRequest(checkpoint="orders", run_id="ok"))
    assert await wait_for_results(arq_pool, worker_settings, 1, timeout_s=20) == ["ok"]
