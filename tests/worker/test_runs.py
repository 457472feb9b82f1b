"""Runs through real in-process arq workers: by name, by inline spec, and every kind of bad
input ending as an `error` result on the results stream."""

from __future__ import annotations

from pathlib import Path

from arq.connections import ArqRedis
from arq.jobs import Job

from shared.job_names import RUN_CHECKPOINT
from shared.models import ActionStatus, CheckpointStatus
from shared.serializer import deserialize_job
from shared.settings import Settings
from tests.support.http_server import RecordingHTTPServer, Reply
from tests.worker.conftest import WorkerFactory
from tests.worker.fleet import inline_spec, read_results


async def run_all(make_worker: WorkerFactory) -> None:
    worker = make_worker()
    await worker.main()
    assert worker.jobs_failed == 0


async def test_a_run_by_name_is_published_once_with_its_result(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    job = await arq_pool.enqueue_job(
        RUN_CHECKPOINT, {"checkpoint": "orders", "run_id": "r-1", "context": {"by": "test"}}
    )
    assert job is not None
    await run_all(make_worker)
    [result] = await read_results(arq_pool, worker_settings)
    assert (result.run_id, result.checkpoint_name) == ("r-1", "orders")
    assert result.status is CheckpointStatus.SUCCESS
    assert result.row_count == 4
    assert result.metadata["context"] == {"by": "test"}
    # plain arq clients get the same result from the job
    stored = await Job(job.job_id, arq_pool, _deserializer=deserialize_job).result(timeout=5)
    assert stored["run_id"] == "r-1" and stored["status"] == "success"


async def test_failing_data_gives_a_failure(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": "orders_bad", "run_id": "r-2"})
    await run_all(make_worker)
    [result] = await read_results(arq_pool, worker_settings)
    assert result.status is CheckpointStatus.FAILURE
    [issue] = result.issues
    assert (issue.validator, issue.column, issue.count) == ("null", "amount", 2)


async def test_a_missing_file_is_an_error_naming_checkpoint_and_source(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, fleet_dir: Path
) -> None:
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": "orders_missing", "run_id": "r-3"})
    await run_all(make_worker)
    [result] = await read_results(arq_pool, worker_settings)
    assert result.status is CheckpointStatus.ERROR
    assert "checkpoint 'orders_missing'" in (result.error or "")
    assert str(fleet_dir / "does-not-exist.csv") in (result.error or "")


async def test_an_inline_spec_runs_without_registration(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, fleet_dir: Path
) -> None:
    await arq_pool.enqueue_job(
        RUN_CHECKPOINT, {"checkpoint": inline_spec(fleet_dir), "run_id": "r-4"}
    )
    await run_all(make_worker)
    [result] = await read_results(arq_pool, worker_settings)
    assert (result.checkpoint_name, result.status) == ("inline", CheckpointStatus.SUCCESS)


async def test_inline_specs_naming_unknown_types_are_errors(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, fleet_dir: Path
) -> None:
    unknown_validator = inline_spec(fleet_dir, validators=["nul"])
    unknown_action = inline_spec(fleet_dir, name="inline2", actions=[{"type": "pager"}])
    unknown_column = inline_spec(
        fleet_dir,
        name="inline3",
        validators=[{"type": "not_null", "config": {"columns": ["nope"]}}],
    )
    for run_id, spec in [("v", unknown_validator), ("a", unknown_action), ("c", unknown_column)]:
        await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": spec, "run_id": run_id})
    await run_all(make_worker)
    errors = {
        result.run_id: result.error or ""
        for result in await read_results(arq_pool, worker_settings)
    }
    assert "unknown validator 'nul'" in errors["v"] and "known: " in errors["v"]
    assert "unknown action type 'pager'" in errors["a"]
    assert "nope" in errors["c"]


async def test_a_run_id_enqueued_twice_is_published_once(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory
) -> None:
    for job_id in ("job-a", "job-b"):
        await arq_pool.enqueue_job(
            RUN_CHECKPOINT, {"checkpoint": "orders", "run_id": "same"}, _job_id=job_id
        )
    await run_all(make_worker)
    assert [result.run_id for result in await read_results(arq_pool, worker_settings)] == ["same"]


async def test_a_checkpoint_over_its_timeout_is_an_error_and_the_worker_goes_on(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, fleet_dir: Path
) -> None:
    hanging = inline_spec(
        fleet_dir,
        timeout_s=0.3,
        actions=[{"type": "custom", "function": "tests.support.actions:hang", "timeout_s": 60}],
    )
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": hanging, "run_id": "slow"})
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": "orders", "run_id": "after"})
    await run_all(make_worker)
    results = {result.run_id: result for result in await read_results(arq_pool, worker_settings)}
    assert results["slow"].status is CheckpointStatus.ERROR
    assert "exceeded its timeout of 0.3 s" in (results["slow"].error or "")
    assert results["after"].status is CheckpointStatus.SUCCESS


async def test_a_failing_action_is_its_own_error_and_the_others_run(
    arq_pool: ArqRedis,
    worker_settings: Settings,
    make_worker: WorkerFactory,
    fleet_dir: Path,
) -> None:
    with RecordingHTTPServer(default=Reply(status=500)) as http_server:
        await run_with_actions(arq_pool, make_worker, fleet_dir, http_server.url + "/hook")
    [result] = await read_results(arq_pool, worker_settings)
    assert result.status is CheckpointStatus.SUCCESS
    statuses = [action.status for action in result.action_results]
    assert statuses == [
        ActionStatus.ERROR,
        ActionStatus.ERROR,
        ActionStatus.ERROR,
        ActionStatus.SUCCESS,
    ]
    assert "500" in (result.action_results[0].error or result.action_results[0].message)
    assert "boom in inline" in (result.action_results[1].error or "")
    assert list((fleet_dir / "store").rglob("acts.json"))


async def run_with_actions(
    arq_pool: ArqRedis, make_worker: WorkerFactory, fleet_dir: Path, hook_url: str
) -> None:
    spec = inline_spec(
        fleet_dir,
        actions=[
            {"type": "webhook", "url": hook_url, "retry_count": 0},
            {"type": "custom", "function": "tests.support.actions:explode"},
            {"type": "custom", "function": "tests.support.actions:hang", "timeout_s": 0.2},
            {"type": "store_result", "directory": str(fleet_dir / "store")},
        ],
    )
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": spec, "run_id": "acts"})
    await run_all(make_worker)


async def test_an_action_that_must_not_fail_turns_the_run_into_an_error(
    arq_pool: ArqRedis, worker_settings: Settings, make_worker: WorkerFactory, fleet_dir: Path
) -> None:
    spec = inline_spec(
        fleet_dir,
        actions=[
            {
                "type": "custom",
                "function": "tests.support.actions:explode",
                "fail_checkpoint_on_error": True,
            }
        ],
    )
    await arq_pool.enqueue_job(RUN_CHECKPOINT, {"checkpoint": spec, "run_id": "strict"})
    await run_all(make_worker)
    [result] = await read_results(arq_pool, worker_settings)
    assert result.status is CheckpointStatus.ERROR
    assert (result.error or "").startswith("action 'explode' failed: RuntimeError: boom")
