"""The runner's behaviour, identical on both backends (``local`` in-process, ``redis`` with a
real worker process): every test here runs twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from producer.async_runner import AsyncRunnerConfig, UndeliveredRunError
from shared.checkpoint import Checkpoint
from shared.errors import ConfigError
from shared.models import CheckpointResult, CheckpointStatus
from shared.triggers import ScheduleTrigger
from tests.producer.conftest import CheckpointFactory, RunnerFactory


def fast_trigger(interval_s: float = 0.2, runs: int | None = None) -> ScheduleTrigger:
    """Ticks every `interval_s`; with `runs`, only that many ticks from now."""
    now = datetime.now(UTC)
    end = now + timedelta(seconds=interval_s * runs + interval_s / 2) if runs else None
    return ScheduleTrigger(interval_seconds=interval_s, start_time=now, end_time=end)


async def test_run_once_by_object_and_by_name(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    runner = make_runner()
    good, bad = make_checkpoint("good"), make_checkpoint("bad", bad=True)
    runner.add_checkpoint(good)
    runner.add_checkpoint(bad)

    by_name = await runner.run_once_async("good")
    by_object = await runner.run_once_async(bad, context={"key": "value"})

    assert by_name.status is CheckpointStatus.SUCCESS and by_name.checkpoint_name == "good"
    assert by_object.status is CheckpointStatus.FAILURE
    assert by_object.metadata["context"] == {"key": "value"}
    assert runner.get_stats()["results_by_status"]["failure"] == 1


async def test_run_all_returns_results_in_registration_order(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    runner = make_runner()
    for name in ("c1", "c2", "c3"):
        runner.add_checkpoint(make_checkpoint(name, bad=name == "c2"))
    results = await runner.run_all_async(context={"shared": "data"})
    assert [r.checkpoint_name for r in results] == ["c1", "c2", "c3"]
    assert [r.status.value for r in results] == ["success", "failure", "success"]
    assert all(r.metadata["context"] == {"shared": "data"} for r in results)


async def test_bad_input_gives_error_results_not_exceptions(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    runner = make_runner()
    missing = Checkpoint("missing", "/nonexistent/data.csv", validators=["null"])
    unknown = await runner.run_once_async("no_such_checkpoint")
    absent = await runner.run_once_async(missing)
    bad_context = await runner.run_once_async(make_checkpoint(), context={"when": object()})
    assert unknown.status is CheckpointStatus.ERROR and "no_such_checkpoint" in str(unknown.error)
    assert absent.status is CheckpointStatus.ERROR and "data.csv" in str(absent.error)
    assert bad_context.status is CheckpointStatus.ERROR and "context" in str(bad_context.error)


async def test_a_duplicate_name_is_refused(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    runner = make_runner()
    runner.add_checkpoint(make_checkpoint("same"))
    with pytest.raises(ConfigError, match="same"):
        runner.add_checkpoint(make_checkpoint("same"))


async def test_triggers_run_checkpoints_in_the_background(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    seen: list[str] = []
    runner = make_runner(AsyncRunnerConfig(trigger_poll_interval=0.05), result_callback=seen.append)
    runner.add_checkpoint(make_checkpoint("ticking", triggers=[fast_trigger(0.2, runs=3)]))
    runner.add_checkpoint(make_checkpoint("idle"))  # no trigger: never runs on its own
    await runner.start_async()
    results = [result async for result in runner.iter_results_async(timeout=2.0)]
    await runner.stop_async()
    assert 3 <= len(results) <= 4  # the tick at start_time fires at start, then 3 more
    assert {r.checkpoint_name for r in results} == {"ticking"}
    assert len({r.run_id for r in results}) == len(results)
    assert all(r.run_id.startswith("ticking:schedule:") for r in results)
    assert [r.run_id for r in results] == [r.run_id for r in seen]  # type: ignore[attr-defined]
    assert not runner.get_stats()["running"]


async def test_added_and_removed_while_running(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    runner = make_runner(AsyncRunnerConfig(trigger_poll_interval=0.05))
    await runner.start_async()
    late = make_checkpoint("late", triggers=[fast_trigger(0.2)])
    runner.add_checkpoint(late)
    first = await anext(aiter(runner.iter_results_async(timeout=5.0)))
    assert first.checkpoint_name == "late"
    assert runner.remove_checkpoint("late") is late
    await asyncio.sleep(0.3)  # let a run in flight land
    drained = runner.get_stats()["queued_results"]
    await asyncio.sleep(0.6)  # three ticks: none may start now
    assert runner.get_stats()["queued_results"] == drained
    assert runner.get_stats()["checkpoints"] == 0


async def test_a_full_result_queue_holds_runs_back_instead_of_dropping(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    runner = make_runner(
        AsyncRunnerConfig(
            result_queue_size=2, max_concurrent_checkpoints=1, trigger_poll_interval=0.02
        )
    )
    runner.add_checkpoint(make_checkpoint("flood", triggers=[fast_trigger(0.05, runs=8)]))
    await runner.start_async()
    for _ in range(200):
        if runner.get_stats()["queued_results"] == 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the remaining ticks pass while nobody reads
    stats = runner.get_stats()
    assert stats["queued_results"] == 2
    assert stats["pending_tasks"] == 1  # the run waiting for room holds the only slot
    taken = [result async for result in runner.iter_results_async(timeout=1.0)]
    # the held result arrived once there was room, and every counted result was handed out
    assert len(taken) >= 3
    assert len(taken) == sum(runner.get_stats()["results_by_status"].values())
    assert runner.get_stats()["dropped_results"] == 0


async def test_stop_delivers_results_of_runs_in_flight(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    delivered: list[CheckpointResult] = []
    runner = make_runner(
        AsyncRunnerConfig(trigger_poll_interval=0.02, graceful_shutdown_timeout=10),
        result_callback=delivered.append,
    )
    runner.add_checkpoint(make_checkpoint("slow", pause_s=0.8, triggers=[fast_trigger(0.1)]))
    await runner.start_async()
    for _ in range(200):
        if runner.get_stats()["pending_tasks"]:
            break
        await asyncio.sleep(0.02)
    in_flight = runner.get_stats()["pending_tasks"]
    assert in_flight >= 1
    await runner.stop_async()
    queued = [result async for result in runner.iter_results_async(timeout=0.5)]
    assert len(queued) >= in_flight
    assert [r.run_id for r in queued] == [r.run_id for r in delivered]
    assert all(r.status is CheckpointStatus.SUCCESS for r in queued)
    assert runner.get_stats()["undelivered_runs"] == 0


async def test_stop_reports_runs_that_outlast_the_grace_period(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    errors: list[BaseException] = []
    runner = make_runner(
        AsyncRunnerConfig(trigger_poll_interval=0.02, graceful_shutdown_timeout=0.2),
        error_callback=errors.append,
    )
    runner.add_checkpoint(make_checkpoint("stuck", pause_s=30, triggers=[fast_trigger(0.1)]))
    await runner.start_async()
    for _ in range(200):
        if runner.get_stats()["pending_tasks"]:
            break
        await asyncio.sleep(0.02)
    await runner.stop_async()
    reports = [error for error in errors if isinstance(error, UndeliveredRunError)]
    assert reports and all(report.checkpoint == "stuck" for report in reports)
    assert runner.get_stats()["undelivered_runs"] == len(reports)
    assert all(report.run_id in str(report) for report in reports)


async def test_a_failing_callback_loses_nothing(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    calls: list[str] = []

    def flaky(result: CheckpointResult) -> None:
        calls.append(result.checkpoint_name)
        if result.checkpoint_name == "c2":
            raise RuntimeError("callback bug")

    runner = make_runner(result_callback=flaky)
    for name in ("c1", "c2", "c3", "c4"):
        runner.add_checkpoint(make_checkpoint(name))
    results = await runner.run_all_async()
    assert [r.checkpoint_name for r in results] == ["c1", "c2", "c3", "c4"]
    assert sorted(calls) == ["c1", "c2", "c3", "c4"]
    assert runner.get_stats()["callback_errors"] == 1


async def test_async_callbacks_and_async_callable_objects(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    class Collector:
        def __init__(self) -> None:
            self.names: list[str] = []

        async def __call__(self, result: CheckpointResult) -> None:
            await asyncio.sleep(0)
            self.names.append(result.checkpoint_name)

    collector = Collector()
    runner = make_runner(result_callback=collector)
    await runner.run_once_async(make_checkpoint("a"))
    assert collector.names == ["a"]


async def test_cancelling_a_consumer_cancels_it_and_keeps_results(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    runner = make_runner(AsyncRunnerConfig(trigger_poll_interval=0.05))
    runner.add_checkpoint(make_checkpoint("later", triggers=[fast_trigger(0.3, runs=1)]))
    await runner.start_async()

    async def consume() -> list[CheckpointResult]:
        return [result async for result in runner.iter_results_async()]

    consumer = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert consumer.cancelled()
    # the runner goes on; the result the cancelled consumer would have had is still there
    later = await anext(aiter(runner.iter_results_async(timeout=5.0)))
    assert later.checkpoint_name == "later"


async def test_stop_on_error_stops_the_runner(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    errors: list[BaseException] = []
    runner = make_runner(
        AsyncRunnerConfig(trigger_poll_interval=0.02, stop_on_error=True),
        error_callback=errors.append,
    )
    broken = Checkpoint("broken", "/nonexistent.csv", validators=["null"])
    broken.add_trigger(fast_trigger(0.1))
    runner.add_checkpoint(broken)
    await runner.start_async()
    results = [result async for result in runner.iter_results_async(timeout=5.0)]
    assert results and results[0].status is CheckpointStatus.ERROR
    assert not runner.running
    assert any("runner stopped" in str(error) for error in errors)


async def test_stats_have_the_seed_keys_and_counts(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    runner = make_runner()
    runner.add_checkpoint(make_checkpoint())
    stats = runner.get_stats()
    for key in ("running", "checkpoints", "pending_tasks", "queued_results"):
        assert key in stats
    assert stats["checkpoints"] == 1 and stats["running"] is False
    await runner.start_async()
    await asyncio.sleep(0.1)
    stats = runner.get_stats()
    assert stats["running"] is True
    if stats["backend"] == "redis":
        assert stats["redis_queue_depth"] == 0
    else:
        assert stats["redis_queue_depth"] is None


async def test_stop_reports_results_with_no_room_in_the_queue(
    make_runner: RunnerFactory, make_checkpoint: CheckpointFactory
) -> None:
    errors: list[BaseException] = []
    called: list[str] = []
    runner = make_runner(
        AsyncRunnerConfig(
            result_queue_size=1, trigger_poll_interval=0.02, graceful_shutdown_timeout=0.3
        ),
        result_callback=lambda r: called.append(r.run_id),
        error_callback=errors.append,
    )
    runner.add_checkpoint(make_checkpoint("many", triggers=[fast_trigger(0.1, runs=4)]))
    await runner.start_async()
    for _ in range(200):  # nobody reads: one result queued, the next one waits for room
        if runner.get_stats()["queued_results"] == 1 and runner.get_stats()["pending_tasks"]:
            break
        await asyncio.sleep(0.02)
    await runner.stop_async()
    reports = [error for error in errors if isinstance(error, UndeliveredRunError)]
    assert reports and all("result queue stayed full" in str(report) for report in reports)
    assert runner.get_stats()["dropped_results"] == len(reports)
    assert {report.run_id for report in reports} <= set(called)  # the callback had them
    [queued] = [result async for result in runner.iter_results_async(timeout=0.2)]
    assert queued.run_id in called
