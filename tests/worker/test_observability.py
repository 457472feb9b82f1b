"""Worker metrics scraped from the real HTTP endpoint, the heartbeat, and the log lines of a
worker process started by arq's own CLI."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from arq.connections import ArqRedis
from prometheus_client.parser import text_string_to_metric_families

from shared.fleet import read_fleet_stats
from shared.job_names import RUN_CHECKPOINT
from shared.settings import Settings
from tests.support.processes import ManagedProcess, worker_argv
from tests.worker.conftest import WorkerFactory
from worker.state import STATE_KEY, WorkerState


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_endpoint_counts_runs_rows_actions_and_fleet(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    port = free_port()
    settings = replace(worker_settings, metrics_port=port)
    for run_id, checkpoint in [("m-1", "orders"), ("m-2", "orders_bad"), ("m-3", "slow")]:
        await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": checkpoint, "run_id": run_id})
    await arq_pool.xadd(settings.keys.dead, {"reason": "test"})
    worker = make_worker(settings)
    await worker.main()
    state: WorkerState = worker.ctx[STATE_KEY]
    await state.monitor.beat()  # the gauges as of now, not as of start-up

    samples = await asyncio.to_thread(scrape, port)
    runs = "checkfleet_runs_total"
    assert samples[(runs, (("checkpoint", "orders"), ("status", "success")))] == 1
    assert samples[(runs, (("checkpoint", "orders_bad"), ("status", "failure")))] == 1
    assert samples[("checkfleet_validation_rows_total", (("checkpoint", "orders"),))] == 4
    action = (("action_type", "custom"), ("status", "success"))
    assert samples[("checkfleet_action_results_total", action)] == 1
    count = ("checkfleet_run_duration_seconds_count", (("checkpoint", "slow"),))
    assert samples[count] == 1
    assert samples[("checkfleet_run_duration_seconds_sum", (("checkpoint", "slow"),))] >= 0.2
    assert samples[("checkfleet_jobs_in_progress", ())] == 0
    assert samples[("checkfleet_queue_depth", ())] == 0
    assert samples[("checkfleet_results_stream_length", ())] == 3
    assert samples[("checkfleet_dead_letters", ())] == 1

    stats = await read_fleet_stats(arq_pool, settings.keys)
    [beat] = stats.workers
    assert beat.jobs_done == 3 and beat.jobs_in_progress == 0


async def test_shutdown_clears_the_heartbeat_and_frees_the_port(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    port = free_port()
    worker = make_worker(replace(worker_settings, metrics_port=port))
    await worker.main()
    assert len((await read_fleet_stats(arq_pool, worker_settings.keys)).workers) == 1
    await worker.close()
    assert (await read_fleet_stats(arq_pool, worker_settings.keys)).workers == []
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", port))  # free again


@pytest.mark.slow
async def test_arq_cli_worker_logs_json_lines_bound_to_runs(
    arq_pool: ArqRedis, worker_settings: Settings, tmp_path: Path
) -> None:
    environment = {
        "CHECKFLEET_REDIS_URL": worker_settings.redis_url,
        "CHECKFLEET_CHECKPOINTS": str(worker_settings.checkpoints),
        "CHECKFLEET_LOG_FORMAT": "json",
    }
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": "orders_missing", "run_id": "j-1"})
    process = ManagedProcess("worker", worker_argv("--burst"), environment, tmp_path)
    try:
        await asyncio.to_thread(process.wait, 30)
        log = process.log()
    finally:
        process.stop()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any("ready" in line["message"] for line in lines), log
    assert any(line["logger"] == "arq.worker" for line in lines), log
    [finished] = [line for line in lines if line["message"].startswith("run finished")]
    assert (finished["run_id"], finished["checkpoint"]) == ("j-1", "orders_missing")
    assert "error" in finished["message"]
