"""`Checkpoint.run` from synchronous code: actions included, nothing left open."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shared.actions import WebhookAction, http
from shared.checkpoint import Checkpoint
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
