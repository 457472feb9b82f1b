"""`Checkpoint.run` from synchronous code: actions included, nothing left open; what a
`CheckpointExecutor` owns and closes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shared.actions import WebhookAction, http
from shared.checkpoint import Checkpoint
from shared.execution import ACTIONS_PER_RUN, CheckpointExecutor
from shared.models import ActionStatus, CheckpointStatus
from tests.support.checkpoints import write_frame
from tests.support.http_server import RecordingHTTPServer


def test_a_blocking_run_closes_the_http_session_it_opened(
    tmp_path: Path, http_server: RecordingHTTPServer
) -> None:
    source = write_frame(tmp_path, pl.DataFrame({"id": [1, 2, 3]}))
    hook = WebhookAction(url=http_server.url + "/hook", notify_on="always")
    checkpoint = Checkpoint("c", source, validators=["null"], actions=[hook])
    result = checkpoint.run()
    assert result.status is CheckpointStatus.SUCCESS
    assert [action.status for action in result.action_results] == [ActionStatus.SUCCESS]
    assert len(http_server.requests) == 1
    open_sessions = [session for session in http._sessions.values() if not session.closed]
    assert open_sessions == [], "the run's private loop is gone: its session must be closed"


async def test_the_executor_closes_the_http_session_it_opened_and_only_that() -> None:
    async with CheckpointExecutor(concurrency=2):
        assert http.has_http_session()
    assert not http.has_http_session()
    theirs = await http.open_http_session()
    async with CheckpointExecutor():
        pass
    assert http.has_http_session() and not theirs.closed  # the caller's session stays open
    await http.close_http_session()


async def test_actions_are_bounded_per_concurrent_run(tmp_path: Path) -> None:
    executor = CheckpointExecutor(concurrency=3, action_type_limits={"webhook": 2})
    assert executor._action_context.max_concurrency == 3 * ACTIONS_PER_RUN
    assert executor._action_context.type_limits == {"webhook": 2}
    assert CheckpointExecutor()._action_context.max_concurrency is None  # one-off runs
    source = write_frame(tmp_path, pl.DataFrame({"id": [1]}))
    async with executor:
        result = await executor.execute(Checkpoint("c", source, validators=["null"]), run_id="r")
    assert result.status is CheckpointStatus.SUCCESS
    assert executor._thread_pool._shutdown  # closed with the executor


async def test_base_exceptions_from_user_code_end_in_results(tmp_path: Path) -> None:
    from shared.actions import CustomAction

    def exit_now(result: object) -> None:
        raise SystemExit(3)

    async def interrupt(result: object) -> None:
        raise KeyboardInterrupt

    source = write_frame(tmp_path, pl.DataFrame({"id": [1, 2, 3]}))
    actions = [CustomAction(exit_now), CustomAction(interrupt)]
    result = await Checkpoint("c", source, validators=["null"], actions=actions).run_async()
    assert result.status is CheckpointStatus.SUCCESS
    errors = [action.error or "" for action in result.action_results]
    assert "SystemExit" in errors[0] and "KeyboardInterrupt" in errors[1]


async def test_a_validator_raising_system_exit_is_an_error_result(tmp_path: Path) -> None:
    from shared.sources import READERS

    def exiting_reader(location: str) -> pl.LazyFrame:
        raise SystemExit("reader bailed out")

    READERS.add("exitfmt", exiting_reader, replace=True)
    try:
        checkpoint = Checkpoint("c", str(tmp_path / "x.exitfmt"), validators=["null"])
        result = await checkpoint.run_async()
    finally:
        READERS.remove("exitfmt")
    assert result.status is CheckpointStatus.ERROR and "SystemExit" in (result.error or "")
