# ruff: noqa: F401, F841, I001  (the page's examples, imports and all, as on the page)
"""The seed page's ``async_runner`` examples, on both backends. Each example is as on the page
with only the import paths changed (``truthound.checkpoint.async_runner`` ->
``producer.async_runner``, ``truthound.checkpoint`` -> ``shared.checkpoint``, ...); the complete
example's trigger fires every 0.3 s for about a second instead of hourly. The lines around
the examples supply what the page leaves implicit (the checkpoints, the data files
``data.csv`` / ``data.parquet`` in the working directory, SLACK_WEBHOOK) and pick the backend
the way a user does: CHECKFLEET_REDIS_URL set (``redis``, a real worker process whose working
directory holds the same files) or unset (``local``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import ActionResult, ActionStatus, CheckpointStatus
from tests.producer.conftest import PREFIX
from tests.support.http_server import RecordingHTTPServer
from tests.support.processes import REPO_ROOT, ManagedProcess, waking_worker_argv
from tests.support.redis_server import RedisServer
from tests.support.results import make_result

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The working directory of the examples: ``data.csv`` has two nulls in three rows, a
    critical share (the run fails and Slack is told), ``data.parquet`` is clean."""
    directory = tmp_path_factory.mktemp("seed")
    pl.DataFrame({"id": [1, 2, 3], "amount": [1.0, None, None]}).write_csv(directory / "data.csv")
    pl.DataFrame({"id": [1, 2, 3], "amount": [1.0, 2.0, 3.0]}).write_parquet(
        directory / "data.parquet"
    )
    return directory


@pytest.fixture(scope="module")
def slack() -> Iterator[RecordingHTTPServer]:
    with RecordingHTTPServer() as server:
        yield server


@pytest.fixture(scope="module")
def client_env(redis_server: RedisServer, slack: RecordingHTTPServer) -> dict[str, str]:
    return {
        "CHECKFLEET_REDIS_URL": redis_server.url,
        "CHECKFLEET_PREFIX": PREFIX,
        "CHECKFLEET_PLUGINS": "tests.support.client_actions",
        "SLACK_WEBHOOK": slack.url + "/slack",
        "PYTHONPATH": str(REPO_ROOT),
        # The examples' clients sign their requests, so the worker trusts their inline specs.
        "CHECKFLEET_SIGNING_KEY": "seed-examples-signing-key",
    }


@pytest.fixture(scope="module")
def fleet_worker(
    client_env: dict[str, str], redis_server: RedisServer, seed_dir: Path
) -> Iterator[ManagedProcess]:
    """The worker runs where the examples' relative data paths resolve."""
    from tests.producer.conftest import _wait_until_ready
    from shared.settings import Settings

    if not redis_server.running:
        redis_server.start()
    process = ManagedProcess(
        "seed-worker", waking_worker_argv(), client_env, seed_dir, cwd=seed_dir
    )
    try:
        _wait_until_ready(process, Settings.from_env(client_env))
        yield process
    finally:
        process.stop()


@pytest.fixture(autouse=True)
def seed_env(
    backend: str, client_env: dict[str, str], seed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(seed_dir)
    monkeypatch.setenv("SLACK_WEBHOOK", client_env["SLACK_WEBHOOK"])
    if backend == "redis":
        monkeypatch.setenv("CHECKFLEET_REDIS_URL", client_env["CHECKFLEET_REDIS_URL"])
        monkeypatch.setenv("CHECKFLEET_PREFIX", PREFIX)
        monkeypatch.setenv("CHECKFLEET_SIGNING_KEY", client_env["CHECKFLEET_SIGNING_KEY"])
    else:
        monkeypatch.delenv("CHECKFLEET_REDIS_URL", raising=False)


def checkpoint_named(name: str, source: str = "data.parquet") -> Checkpoint:
    return Checkpoint(name=name, data_source=source, validators=["null"])


# --- AsyncCheckpointRunner --------------------------------------------------------------------


async def test_runner_example(capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint1 = checkpoint_named("checkpoint1", "data.csv")
    checkpoint1.add_trigger(_short_schedule())
    checkpoint2 = checkpoint_named("checkpoint2")

    # The page streams until the runner stops; here the stream is cut after two seconds.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(2.0):
            from producer.async_runner import (
                AsyncCheckpointRunner,
                AsyncRunnerConfig,
            )

            # Configuration
            config = AsyncRunnerConfig(
                max_concurrent_checkpoints=10,  # Concurrent checkpoints
                trigger_poll_interval=1.0,  # Trigger polling interval
                result_queue_size=1000,  # Result queue size
                stop_on_error=False,  # Stop on error
                max_consecutive_failures=10,  # Maximum consecutive failures
                graceful_shutdown_timeout=30.0,  # Shutdown timeout
            )

            # Create runner
            runner = AsyncCheckpointRunner(
                config=config,
                result_callback=lambda r: print(f"Completed: {r.checkpoint_name}"),
                error_callback=lambda e: print(f"Error: {e}"),
            )

            # Register checkpoints
            runner.add_checkpoint(checkpoint1)
            runner.add_checkpoint(checkpoint2)

            # Start background execution
            await runner.start_async()

            # Stream results
            async for result in runner.iter_results_async():
                print(f"Result: {result.status}")

    # Shutdown
    await runner.stop_async()

    output = capsys.readouterr().out
    assert "Completed: checkpoint1" in output and "Result: failure" in output
    assert "checkpoint2" not in output  # no trigger: it runs only when asked

    # Single Execution
    my_checkpoint = checkpoint_named("my_checkpoint")
    checkpoint = checkpoint1
    runner.add_checkpoint(my_checkpoint)

    # Execute by name
    result = await runner.run_once_async("my_checkpoint")

    # Execute by object
    result = await runner.run_once_async(checkpoint, context={"key": "value"})

    assert result.status is CheckpointStatus.FAILURE
    assert result.metadata["context"] == {"key": "value"}

    # Execute All
    results = await runner.run_all_async(context={"shared": "data"})

    assert [r.checkpoint_name for r in results] == ["checkpoint1", "checkpoint2", "my_checkpoint"]

    # Query Statistics
    stats = runner.get_stats()
    print(f"Running: {stats['running']}")
    print(f"Checkpoints: {stats['checkpoints']}")
    print(f"Pending tasks: {stats['pending_tasks']}")
    print(f"Queued results: {stats['queued_results']}")

    assert "Checkpoints: 3" in capsys.readouterr().out


def _short_schedule() -> object:
    from shared.triggers import ScheduleTrigger

    return ScheduleTrigger(interval_seconds=0.3)


# --- Convenience functions --------------------------------------------------------------------


async def test_run_checkpoint_async_example() -> None:
    from producer.async_runner import register_checkpoint, unregister_checkpoint

    checkpoint = checkpoint_named("some_checkpoint")
    register_checkpoint(checkpoint_named("my_checkpoint", "data.csv"))
    try:
        from producer.async_runner import run_checkpoint_async

        # Execute by name (looks up in registry)
        result = await run_checkpoint_async("my_checkpoint")

        assert result.checkpoint_name == "my_checkpoint"
        assert result.status is CheckpointStatus.FAILURE

        # Execute by object
        result = await run_checkpoint_async(checkpoint, context={"key": "value"})

        assert result.status is CheckpointStatus.SUCCESS
    finally:
        unregister_checkpoint("my_checkpoint")


async def test_run_checkpoints_parallel_example(capsys: pytest.CaptureFixture[str]) -> None:
    cp1, cp2, cp3 = (checkpoint_named(f"cp{i}") for i in (1, 2, 3))

    from producer.async_runner import run_checkpoints_parallel

    results = await run_checkpoints_parallel(
        checkpoints=[cp1, cp2, cp3],
        max_concurrent=5,
        context={"shared": "data"},
        on_complete=lambda r: print(f"Done: {r.checkpoint_name}"),
    )

    assert [r.checkpoint_name for r in results] == ["cp1", "cp2", "cp3"]
    assert sorted(capsys.readouterr().out.split("\n")) == [
        "",
        "Done: cp1",
        "Done: cp2",
        "Done: cp3",
    ]


# --- CheckpointPool ---------------------------------------------------------------------------


async def test_checkpoint_pool_examples(capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = checkpoint_named("pooled")
    cp1, cp2, cp3 = (checkpoint_named(f"cp{i}") for i in (1, 2, 3))

    from producer.async_runner import CheckpointPool

    async with CheckpointPool(workers=10) as pool:
        # Single submission
        result = await pool.submit(checkpoint)

        # Multiple submissions
        results = await pool.submit_many([cp1, cp2, cp3])

    assert result.status is CheckpointStatus.SUCCESS
    assert [r.checkpoint_name for r in results] == ["cp1", "cp2", "cp3"]

    pool = CheckpointPool(
        workers=10,
        result_callback=lambda r: print(f"Completed: {r.checkpoint_name}"),
    )

    await pool.start()

    # Submit work...
    result = await pool.submit(checkpoint)

    await pool.stop()

    assert "Completed: pooled" in capsys.readouterr().out


# --- Complete Example -------------------------------------------------------------------------


async def test_complete_example(
    slack: RecordingHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(slack.requests)
    soon = datetime.now(UTC) + timedelta(seconds=0.5)

    import asyncio
    from shared.checkpoint import Checkpoint
    from producer.async_runner import (
        AsyncCheckpointRunner,
        AsyncRunnerConfig,
        run_checkpoints_parallel,
    )
    from shared.async_base import (
        AsyncBaseAction,
        ConcurrentStrategy,
        adapt_to_async,
    )
    from shared.actions import SlackNotification
    from shared.triggers import ScheduleTrigger

    # Custom async action
    class AsyncWebhookAction(AsyncBaseAction):  # type: ignore[type-arg]
        action_type = "async_webhook"

        async def _execute_async(self, result):  # type: ignore[no-untyped-def]
            import aiohttp

            async with aiohttp.ClientSession() as session:
                async with session.post(
                    self._config.url,
                    json=result.to_dict(),
                ) as resp:
                    return ActionResult(
                        status=ActionStatus.SUCCESS if resp.ok else ActionStatus.ERROR,
                        action_name=self.name,
                        action_type=self.action_type,
                    )

    # Convert synchronous action to async
    slack_action = SlackNotification(webhook_url="${SLACK_WEBHOOK}")
    async_slack = adapt_to_async(slack_action)

    # Create checkpoints
    checkpoint1 = Checkpoint(
        name="hourly_validation",
        data_source="data.csv",
        validators=["null"],
        actions=[async_slack],
    )
    # (the page: interval_hours=1; here ticks every 0.3 s for about a second)
    checkpoint1.add_trigger(
        ScheduleTrigger(interval_seconds=0.3, start_time=soon, end_time=soon + timedelta(seconds=1))
    )

    checkpoint2 = Checkpoint(
        name="daily_data_validation",
        data_source="data.parquet",
        validators=["range", "distribution"],
    )

    async def main():  # type: ignore[no-untyped-def]
        # 1. Parallel execution
        results = await run_checkpoints_parallel(
            checkpoints=[checkpoint1, checkpoint2],
            max_concurrent=5,
            on_complete=lambda r: print(f"Done: {r.checkpoint_name}"),
        )

        # 2. Trigger-based execution with runner
        runner = AsyncCheckpointRunner(
            config=AsyncRunnerConfig(max_concurrent_checkpoints=10),
            result_callback=lambda r: print(f"Completed: {r.status}"),
        )

        runner.add_checkpoint(checkpoint1)
        runner.add_checkpoint(checkpoint2)

        await runner.start_async()

        # Stream results
        async for result in runner.iter_results_async(timeout=5.0):
            print(f"{result.checkpoint_name}: {result.status}")

            # Stop after 10 results
            if runner._result_queue.qsize() >= 10:
                break

        await runner.stop_async()

    # (the page calls asyncio.run(main()); the test already runs in an event loop)
    await main()

    output = capsys.readouterr().out
    lines = output.splitlines()
    assert "Done: hourly_validation" in lines and "Done: daily_data_validation" in lines
    streamed = [line for line in lines if line.startswith("hourly_validation: ")]
    assert 2 <= len(streamed) <= 4, output  # ticks at +0.5 s, +0.8 s, +1.1 s, +1.4 s
    assert all(line == "hourly_validation: failure" for line in streamed)
    assert lines.count("Completed: failure") == len(streamed)
    # every failing run of checkpoint1 (parallel + triggered) told Slack
    assert len(slack.requests) - before == 1 + len(streamed)

    # The page defines a custom async action and imports ConcurrentStrategy without using
    # them: here they run, next to the converted Slack action (in-process on both backends).
    from shared.async_base import ActionConfig

    class AsyncWebhookConfig(ActionConfig):
        url: str = ""

    webhook = AsyncWebhookAction(AsyncWebhookConfig(url=slack.url + "/hook"))
    sent = len(slack.requests)
    outcomes = await ConcurrentStrategy().execute([async_slack, webhook], make_result())
    assert [r.status for r in outcomes] == [ActionStatus.SUCCESS, ActionStatus.SUCCESS]
    assert sorted(r.path for r in slack.requests[sent:]) == ["/hook", "/slack"]
    # The spec keeps the template, never the expanded URL.
    assert slack_action.to_spec()["webhook_url"] == "${SLACK_WEBHOOK}"
