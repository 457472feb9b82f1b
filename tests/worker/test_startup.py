"""What a worker sets up at start-up: plugins, the checkpoint registry, action limits."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from arq.connections import ArqRedis
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.errors import ConfigError
from shared.job_names import RUN_CHECKPOINT
from shared.models import CheckpointStatus
from shared.settings import Settings
from tests.support.actions import ConcurrencyProbe
from tests.worker.conftest import WorkerFactory
from tests.worker.fleet import inline_spec, read_results
from worker.startup import EXIT_REDIS_UNREACHABLE, worker_exit

PLUGIN = "tests.support.plugin_validators"


async def test_plugins_register_custom_validators(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, fleet_dir: Path
) -> None:
    assert PLUGIN not in sys.modules, "only the worker may import the plugin"
    settings = dataclasses.replace(worker_settings, plugins=(PLUGIN,))
    spec = inline_spec(fleet_dir, validators=["test_even_rows"])
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": spec, "run_id": "plugin"})
    await make_worker(settings).main()
    [result] = await read_results(arq_pool, worker_settings)
    assert result.status is CheckpointStatus.SUCCESS, result.error
    assert result.statistics["validators"] == [
        {"validator": "test_even_rows", "figures": {"rows": 4}}
    ]


async def test_a_plugin_that_cannot_be_imported_stops_start_up(
    worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    settings = dataclasses.replace(worker_settings, plugins=("acme.missing_checks",))
    with pytest.raises(
        ConfigError, match=r"CHECKFLEET_PLUGINS: cannot import 'acme\.missing_checks'"
    ):
        await make_worker(settings).main()


async def test_a_broken_definitions_file_stops_start_up(
    worker_settings: Settings, make_worker: WorkerFactory, fleet_dir: Path
) -> None:
    broken = fleet_dir / "broken.yaml"
    broken.write_text("checkpoints:\n  - name: x\n")
    settings = dataclasses.replace(worker_settings, checkpoints=str(broken))
    with pytest.raises(ConfigError, match=r"broken.yaml: checkpoints\[0\].data_source"):
        await make_worker(settings).main()


async def test_action_type_limits_hold_across_runs(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, fleet_dir: Path
) -> None:
    probe = {"type": "custom", "function": "tests.support.actions:probe_concurrency"}
    spec = inline_spec(fleet_dir, actions=[probe, probe, probe])
    for index in range(3):
        await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": spec, "run_id": f"l-{index}"})

    ConcurrencyProbe.reset()
    await make_worker().main()
    unlimited = ConcurrencyProbe.peak
    await arq_pool.flushdb()

    for index in range(3):
        await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": spec, "run_id": f"m-{index}"})
    ConcurrencyProbe.reset()
    limited = dataclasses.replace(worker_settings, action_limits=(("custom", 2),))
    await make_worker(limited).main()
    assert unlimited > 2, "without a limit the nine actions overlap"
    assert ConcurrencyProbe.peak == 2
    results = await read_results(arq_pool, worker_settings)
    assert len(results) == 3 and all(r.status is CheckpointStatus.SUCCESS for r in results)


async def test_trusting_every_inline_spec_is_warned_about_at_start_up(
    worker_settings: Settings, make_worker: WorkerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    settings = dataclasses.replace(worker_settings, inline_specs="trusted")
    await make_worker(settings).main()
    assert "CHECKFLEET_INLINE_SPECS=trusted" in caplog.text


def test_redis_lost_during_start_up_is_exit_75(
    worker_settings: Settings,
) -> None:
    lost = RedisConnectionError("Error 111 connecting to 127.0.0.1:1. Connect call failed.")
    ending = worker_exit(lost, worker_settings, started=False)
    assert ending is not None and ending.code == EXIT_REDIS_UNREACHABLE
    assert "went away during start-up" in ending.line and "Error 111" in ending.line
    # Once started, polls ride outages out: one that escapes is a bug, with its traceback.
    assert worker_exit(lost, worker_settings, started=True) is None
