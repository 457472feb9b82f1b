"""`CheckpointPool`, `run_checkpoint_async` and `run_checkpoints_parallel` on both backends,
including the promises the reference breaks: a cancelled submit, `stop` with queued work,
`submit` before `start`, a failing callback among many."""

from __future__ import annotations

import asyncio

import pytest

from producer.async_runner import (
    CheckpointPool,
    PoolClosedError,
    register_checkpoint,
    run_checkpoint_async,
    run_checkpoints_parallel,
    unregister_checkpoint,
)
from shared.models import CheckpointResult, CheckpointStatus
from shared.settings import Settings
from tests.producer.conftest import CheckpointFactory


async def test_run_checkpoint_async_by_object_and_by_registered_name(
    backend: str, client_settings: Settings, make_checkpoint: CheckpointFactory
) -> None:
    register_checkpoint(make_checkpoint("registered", bad=True))
    try:
        by_name = await run_checkpoint_async(
            "registered", backend=backend, settings=client_settings
        )
    finally:
        unregister_checkpoint("registered")
    by_object = await run_checkpoint_async(
        make_checkpoint(), context={"key": "value"}, backend=backend, settings=client_settings
    )
    assert by_name.checkpoint_name == "registered" and by_name.status is CheckpointStatus.FAILURE
    assert by_object.status is CheckpointStatus.SUCCESS
    assert by_object.metadata["context"] == {"key": "value"}


async def test_parallel_results_keep_input_order_and_survive_a_failing_callback(
    backend: str, client_settings: Settings, make_checkpoint: CheckpointFactory
) -> None:
    completed: list[str] = []

    def on_complete(result: CheckpointResult) -> None:
        completed.append(result.checkpoint_name)
        if result.checkpoint_name == "p1":
            raise RuntimeError("callback bug")

    # p0 is the slowest, so completion order differs from input order
    checkpoints = [make_checkpoint("p0", pause_s=0.5)] + [
        make_checkpoint(f"p{index}", bad=index == 2) for index in range(1, 5)
    ]
    results = await run_checkpoints_parallel(
        checkpoints,
        max_concurrent=5,
        context={"shared": "data"},
        on_complete=on_complete,
        backend=backend,
        settings=client_settings,
    )
    assert [r.checkpoint_name for r in results] == ["p0", "p1", "p2", "p3", "p4"]
    assert results[2].status is CheckpointStatus.FAILURE
    assert sorted(completed) == ["p0", "p1", "p2", "p3", "p4"]
    assert completed[-1] == "p0"


async def test_pool_submit_and_submit_many(
    backend: str, client_settings: Settings, make_checkpoint: CheckpointFactory
) -> None:
    seen: list[str] = []
    async with CheckpointPool(
        workers=3, result_callback=lambda r: seen.append(r.run_id), backend=backend,
        settings=client_settings,
    ) as pool:  # fmt: skip
        single = await pool.submit(make_checkpoint("one"))
        many = await pool.submit_many([make_checkpoint(f"m{i}") for i in range(4)])
    assert single.status is CheckpointStatus.SUCCESS
    assert [r.checkpoint_name for r in many] == ["m0", "m1", "m2", "m3"]
    assert sorted(seen) == sorted([single.run_id, *(r.run_id for r in many)])


async def test_submit_before_start_is_an_error(
    backend: str, client_settings: Settings, make_checkpoint: CheckpointFactory
) -> None:
    pool = CheckpointPool(workers=1, backend=backend, settings=client_settings)
    with pytest.raises(PoolClosedError, match="start"):
        await pool.submit(make_checkpoint())


async def test_a_cancelled_submit_does_not_break_the_pool(
    backend: str, client_settings: Settings, make_checkpoint: CheckpointFactory
) -> None:
    async with CheckpointPool(workers=1, backend=backend, settings=client_settings) as pool:
        slow = asyncio.create_task(pool.submit(make_checkpoint("slow", pause_s=0.5)))
        queued = asyncio.create_task(pool.submit(make_checkpoint("queued")))
        await asyncio.sleep(0.1)
        queued.cancel()  # gives up while waiting behind the slow one
        slow_waiter = asyncio.wait_for(pool.submit(make_checkpoint("timed", pause_s=0.5)), 0.05)
        with pytest.raises(TimeoutError):
            await slow_waiter
        with pytest.raises(asyncio.CancelledError):
            await queued
        assert (await slow).status is CheckpointStatus.SUCCESS
        after = await pool.submit(make_checkpoint("after"))  # the worker is still alive
        assert after.status is CheckpointStatus.SUCCESS


async def test_stop_resolves_every_pending_submit(
    backend: str, client_settings: Settings, make_checkpoint: CheckpointFactory
) -> None:
    pool = CheckpointPool(
        workers=1, backend=backend, settings=client_settings, graceful_shutdown_timeout=5
    )
    await pool.start()
    running = asyncio.create_task(pool.submit(make_checkpoint("running", pause_s=0.3)))
    waiting = [asyncio.create_task(pool.submit(make_checkpoint(f"w{i}"))) for i in range(3)]
    await asyncio.sleep(0.1)
    await pool.stop()
    assert (await running).status is CheckpointStatus.SUCCESS  # in progress: it finished
    for task in waiting:  # never started: resolved with the reason, not left hanging
        with pytest.raises(PoolClosedError, match="before the run started"):
            await task
    with pytest.raises(PoolClosedError):
        await pool.submit(make_checkpoint())


async def test_stop_bounds_a_run_that_outlasts_the_grace_period(
    backend: str, client_settings: Settings, make_checkpoint: CheckpointFactory
) -> None:
    pool = CheckpointPool(
        workers=1, backend=backend, settings=client_settings, graceful_shutdown_timeout=0.2
    )
    await pool.start()
    stuck = asyncio.create_task(pool.submit(make_checkpoint("stuck", pause_s=30)))
    await asyncio.sleep(0.1)
    await pool.stop()
    with pytest.raises(PoolClosedError, match="before the run finished"):
        await stuck
