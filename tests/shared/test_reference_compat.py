"""Code written against the reference framework keeps working: its constructor names, its
synchronous action base, dict callback returns, config checks in validate(), async use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pytest

from shared.actions import (
    BaseAction,
    CustomAction,
    SlackNotification,
    StoreResult,
    WebhookAction,
)
from shared.async_base import (
    ActionConfig,
    NotifyOn,
    PipelineStrategy,
    SequentialStrategy,
    SyncActionAdapter,
)
from shared.checkpoint import Checkpoint, to_async_checkpoint
from shared.errors import ConfigError, SpecError
from shared.models import ActionResult, ActionStatus, CheckpointResult, CheckpointStatus
from shared.specs import ACTIONS, build_component
from shared.triggers import FileWatchTrigger, ScheduleTrigger
from shared.validators import SchemaValidator
from tests.support.checkpoints import write_frame
from tests.support.http_server import RecordingHTTPServer

FRAME = pl.DataFrame({"id": [1, 2, 3], "amount": [1.0, None, 3.0]})


class CountingAction(BaseAction[ActionConfig]):
    """A synchronous action as the reference has them: `_execute` blocks."""

    action_type = "test_counting"
    seen: ClassVar[list[str]] = []

    @classmethod
    def _default_config(cls) -> ActionConfig:
        return ActionConfig()

    def _execute(self, checkpoint_result: CheckpointResult) -> ActionResult:
        self.seen.append(checkpoint_result.checkpoint_name)
        return self._result(ActionStatus.SUCCESS, "counted")


def test_sync_base_action_runs_through_execute_and_execute_async(tmp_path: Path) -> None:
    CountingAction.seen = []
    action = CountingAction(notify_on="failure")
    checkpoint = Checkpoint("c", write_frame(tmp_path, FRAME), validators=["null"])
    checkpoint.add_action(action)
    result = checkpoint.run()  # 1 null in 3: high -> warning, so notify_on=failure skips
    assert result.status is CheckpointStatus.WARNING
    assert result.action_results[0].status is ActionStatus.SKIPPED and CountingAction.seen == []
    assert action.execute(result.model_copy(update={"status": CheckpointStatus.FAILURE})).success
    assert CountingAction.seen == ["c"]
    assert action.validate_config() == []


def test_dict_callback_returns_are_success_with_details(tmp_path: Path) -> None:
    def summarise(result: CheckpointResult) -> dict[str, Any]:
        return {"rows": result.row_count, "at": result.run_time}

    checkpoint = Checkpoint("c", write_frame(tmp_path, FRAME), validators=["null"])
    checkpoint.add_action(CustomAction(summarise))
    (outcome,) = checkpoint.run().action_results
    assert outcome.status is ActionStatus.SUCCESS
    assert outcome.details["rows"] == 3 and isinstance(outcome.details["at"], str)


def test_validate_lists_action_and_trigger_config_problems() -> None:
    checkpoint = Checkpoint(
        "c",
        "x.csv",
        validators=["null"],
        actions=[SlackNotification(webhook_url=""), WebhookAction(), StoreResult(directory=" ")],
        triggers=[FileWatchTrigger(paths=[""])],
    )
    assert [str(problem) for problem in checkpoint.validate()] == [
        "actions[0]: webhook_url is empty",
        "actions[1]: url is empty",
        "actions[2]: directory is empty",
        "triggers[0]: paths[0] is empty",
    ]
    # A ${VAR} template is checked when the action runs, on the machine that runs it.
    unset = Checkpoint(
        "c",
        "x.csv",
        validators=["null"],
        actions=[SlackNotification(webhook_url="${CHECKFLEET_TEST_UNSET_HOOK}")],
    )
    assert unset.validate() == []


def test_notify_on_should_notify() -> None:
    assert NotifyOn.FAILURE.should_notify(CheckpointStatus.FAILURE)
    assert NotifyOn.FAILURE.should_notify("failure") and not NotifyOn.FAILURE.should_notify(
        "success"
    )
    assert NotifyOn.NOT_SUCCESS.should_notify("warning")


def test_checkpoint_constructor_aliases(tmp_path: Path) -> None:
    checkpoint = Checkpoint(
        "c",
        write_frame(tmp_path, FRAME),
        validators=["null"],
        execution_strategy="sequential",
        schema={"id": "Int64", "amount": "Float64"},
    )
    assert isinstance(checkpoint.strategy, SequentialStrategy)
    assert isinstance(checkpoint.validators[-1], SchemaValidator)
    assert checkpoint.run().status is CheckpointStatus.WARNING
    both = {"strategy": "pipeline", "execution_strategy": PipelineStrategy(stages=[[0]])}
    with pytest.raises(SpecError, match="execution_strategy: give strategy or execution_strategy"):
        Checkpoint("c", "x.csv", validators=["null"], **both)  # type: ignore[arg-type]


def test_on_complete_is_called_with_each_result(tmp_path: Path) -> None:
    seen: ClassVar[list[str]] = []
    checkpoint = Checkpoint(
        "c",
        write_frame(tmp_path, FRAME),
        validators=["null"],
        on_complete=lambda r: seen.append(r.run_id),
    )
    checkpoint.run(run_id="one")
    assert seen == ["one"]
    assert "on_complete" not in checkpoint.to_spec()
    with pytest.raises(SpecError, match="on_complete"):
        Checkpoint("c", "x.csv", validators=["null"], on_complete="print")  # type: ignore[arg-type]


async def test_async_with_checkpoint_shares_one_executor(tmp_path: Path) -> None:
    seen: ClassVar[list[str]] = []

    async def record(result: CheckpointResult) -> None:
        seen.append(result.run_id)

    checkpoint = Checkpoint(
        "c", write_frame(tmp_path, FRAME), validators=["null"], on_complete=record
    )
    async with checkpoint as entered:
        assert entered is checkpoint and checkpoint._executor is not None
        first = await checkpoint.run_async(run_id="a")
        second = await checkpoint.run_async(run_id="b")
    assert checkpoint._executor is None
    assert first.status is second.status is CheckpointStatus.WARNING and seen == ["a", "b"]


async def test_to_async_checkpoint_adapts_sync_actions(tmp_path: Path) -> None:
    class Plain:
        name = "plain"

        def execute(self, checkpoint_result: CheckpointResult) -> ActionResult:
            return ActionResult(
                action_name="plain", action_type="plain", status=ActionStatus.SUCCESS
            )

    checkpoint = Checkpoint(
        "c", write_frame(tmp_path, FRAME), validators=["null"], actions=[Plain()]
    )
    converted = to_async_checkpoint(checkpoint)
    assert isinstance(converted.actions[0], SyncActionAdapter)
    assert isinstance(checkpoint.actions[0], Plain)  # the original is left alone
    (outcome,) = (await converted.run_async()).action_results
    assert outcome.status is ActionStatus.SUCCESS


def test_store_result_reference_names(tmp_path: Path) -> None:
    action = StoreResult(store_path=str(tmp_path), partition_by="none", format="json")
    assert action.config.directory == str(tmp_path) and action.config.partition_by_date is False
    assert StoreResult(partition_by="date").config.partition_by_date is True
    with pytest.raises(ConfigError, match="stored as json"):
        StoreResult(format="csv")
    with pytest.raises(ConfigError, match="directory or its alias store_path"):
        StoreResult(store_path="a", directory="b")


async def test_webhook_payload_options(
    http_server: RecordingHTTPServer, failed_result: CheckpointResult
) -> None:
    url = http_server.url + "/hook"
    await WebhookAction(url=url, include_full_result=False).execute_async(failed_result)
    await WebhookAction(url=url, include_details=False).execute_async(failed_result)
    summary, full_without_details = http_server.bodies()
    assert set(summary) == {
        "run_id",
        "checkpoint_name",
        "run_time",
        "status",
        "data_asset",
        "row_count",
        "error",
        "issue_counts",
        "issues",
    }
    counts = failed_result.issue_counts()
    assert summary["issue_counts"] == {severity.value: n for severity, n in counts.items()}
    assert "issues" not in full_without_details and "statistics" in full_without_details


def test_slack_payload_options(failed_result: CheckpointResult) -> None:
    brief = SlackNotification(webhook_url="x", include_details=False).build_payload(failed_result)
    assert "- [" not in brief["text"]
    full = SlackNotification(webhook_url="x", include_full_result=True).build_payload(failed_result)
    assert (
        json.loads(full["blocks"][-1]["text"]["text"].strip("`"))["run_id"] == failed_result.run_id
    )


def test_slack_notification_is_a_type_alias() -> None:
    built = build_component(ACTIONS, {"type": "slack_notification", "webhook_url": "x"}, path="a")
    assert isinstance(built, SlackNotification) and built.to_spec()["type"] == "slack"


async def test_file_watch_reference_names(tmp_path: Path) -> None:
    trigger = FileWatchTrigger(
        paths=[str(tmp_path)], patterns=["*.csv"], poll_interval_seconds=3600, settle_s=0
    )
    assert trigger.config.poll_interval_s == 3600
    await trigger.start_async()
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.csv").write_text("x")
    first = await trigger.should_trigger_async()  # polled: only b.csv matches the patterns
    assert first.should_run and first.context["paths"] == [str(tmp_path / "b.csv")]
    (tmp_path / "c.csv").write_text("x")
    result = await trigger.should_trigger_async()  # within the interval: no poll at all
    assert not result.should_run and result.reason == "not yet: poll_interval_s"
    fast = FileWatchTrigger(
        paths=[str(tmp_path)], patterns=["*.csv"], settle_s=0, fire_on_existing=True
    )
    fired = []
    for _ in range(3):
        result = await fast.should_trigger_async()
        if result.should_run:
            fired.extend(result.context["paths"])
    assert fired == [str(tmp_path / "b.csv"), str(tmp_path / "c.csv")]  # never a.txt


def test_schedule_run_on_weekdays() -> None:
    assert ScheduleTrigger(interval_hours=1, run_on_weekdays=[5, 6]).config.weekdays == [5, 6]
