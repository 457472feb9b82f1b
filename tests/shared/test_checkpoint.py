from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pytest

from shared.actions import CustomAction
from shared.async_base import (
    ActionConfig,
    ActionResult,
    ActionStatus,
    AsyncBaseAction,
    AsyncBaseTrigger,
    ConcurrentStrategy,
    PipelineStrategy,
    TriggerConfig,
    TriggerResult,
)
from shared.checkpoint import Checkpoint, CheckpointResult, CheckpointStatus, OverlapPolicy
from shared.codec import packb, unpackb
from shared.errors import SpecError
from shared.models import Severity
from shared.problems import problems_of
from shared.specs import ACTIONS, TRIGGERS
from shared.validators import NullValidator, RangeValidator
from tests.support.checkpoints import write_frame


class NoteConfig(ActionConfig):
    note: str = ""


class NoteAction(AsyncBaseAction[NoteConfig]):
    """An action that only reports its note."""

    action_type: ClassVar[str] = "note"

    @classmethod
    def _default_config(cls) -> NoteConfig:
        return NoteConfig()

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        return self._result(ActionStatus.SUCCESS, self.config.note)


class EveryConfig(TriggerConfig):
    interval_s: float = 60.0


class EveryTrigger(AsyncBaseTrigger[EveryConfig]):
    trigger_type: ClassVar[str] = "test_every"

    @classmethod
    def _default_config(cls) -> EveryConfig:
        return EveryConfig()

    async def should_trigger_async(self) -> TriggerResult:
        return TriggerResult(should_run=True)


@pytest.fixture(autouse=True)
def components() -> Iterator[None]:
    ACTIONS.add("note", NoteAction, replace=True)
    TRIGGERS.add("test_every", EveryTrigger, replace=True)
    yield
    ACTIONS.remove("note")
    TRIGGERS.remove("test_every")


FRAME = pl.DataFrame({"id": [1, 2, 2, 4], "amount": [1.0, None, 3.0, 250.0]})


def full_checkpoint(source: str) -> Checkpoint:
    checkpoint = Checkpoint(
        name="orders",
        data_source=source,
        validators=[
            "null",
            {"type": "unique", "config": {"columns": ["id"]}},
            RangeValidator(columns=["amount"], min=0, max=100),
        ],
        validator_config={"null": {"columns": ["amount"]}},
        strategy={"type": "pipeline", "stages": [[0], [1]]},
        min_severity="medium",
        fail_on_high=True,
        timeout_s=30,
        tags=["nightly"],
        metadata={"owner": "data-team"},
    )
    checkpoint.add_action(NoteAction(note="hello")).add_action(NoteAction(note="bye", name="b"))
    checkpoint.add_trigger(EveryTrigger(interval_s=5))
    return checkpoint


def test_spec_round_trips_through_msgpack_and_runs_the_same(tmp_path: Path) -> None:
    original = full_checkpoint(write_frame(tmp_path, FRAME))
    spec = original.to_spec()
    travelled = Checkpoint.from_spec(unpackb(packb(spec)))
    assert travelled == original
    assert travelled.to_spec() == spec
    assert isinstance(travelled.actions[0], NoteAction)
    assert travelled.actions[0].config.note == "hello"
    assert isinstance(travelled.triggers[0], EveryTrigger)
    assert travelled.triggers[0].config.interval_s == 5
    assert spec["triggers"] == [{"type": "test_every", "interval_s": 5.0}]
    assert spec["validators"][2] == {
        "type": "range",
        "config": {"columns": ["amount"], "min": 0, "max": 100},
    }

    def comparable(result: CheckpointResult) -> dict[str, Any]:
        data = result.to_dict()
        del data["run_time"], data["duration_ms"]
        for action in data["action_results"]:
            del action["started_at"], action["completed_at"], action["duration_ms"]
        return data

    first, second = original.run(run_id="same"), travelled.run(run_id="same")
    assert first.status is CheckpointStatus.FAILURE
    assert [action.message for action in first.action_results] == ["hello", "bye"]
    assert comparable(first) == comparable(second)


def test_defaults() -> None:
    checkpoint = Checkpoint("c", "x.csv", validators=["null"])
    assert (checkpoint.fail_on_critical, checkpoint.fail_on_high) == (True, False)
    assert isinstance(checkpoint.strategy, ConcurrentStrategy)
    assert checkpoint.min_severity is Severity.LOW and checkpoint.tags == {}
    assert checkpoint.timeout_s == 300.0 and checkpoint.actions == [] and checkpoint.triggers == []
    assert isinstance(checkpoint.validators[0], NullValidator)
    assert Checkpoint.from_spec({"name": "c", "data_source": "x.csv", "validators": ["null"]}) == (
        checkpoint
    )
    assert checkpoint.validate() == []


def test_path_data_source(tmp_path: Path) -> None:
    assert Checkpoint("c", tmp_path / "x.csv").data_source == str(tmp_path / "x.csv")


def test_constructor_reports_every_problem_at_once() -> None:
    with pytest.raises(SpecError) as caught:
        Checkpoint(
            name="",
            data_source="missing-but-unread.csv",
            validators=[
                "nope",
                {"type": "range", "config": {"columns": ["a"], "min": 5, "max": 1}},
            ],
            validator_config={"null": {}},
            actions=[print, None],
            triggers=[object()],
            strategy="fastest",
            min_severity="urgent",
            fail_on_high="yes",  # type: ignore[arg-type]
            timeout_s=0,
            tags=[1],  # type: ignore[list-item]
            metadata={"tags": "x", "when": object()},
        )
    problems = problems_of(caught.value)
    assert [problem.path for problem in problems] == [
        "name",
        "validators[0]",
        "validators[1].config",
        "validator_config.null",
        "actions[0]",
        "actions[1]",
        "triggers[0]",
        "strategy.type",
        "min_severity",
        "fail_on_high",
        "timeout_s",
        "tags",
        "metadata",
        "metadata.tags",
    ]
    assert str(problems[2]) == "validators[1].config: min 5 is greater than max 1"
    assert str(problems[4]) == (
        "actions[0]: expected an action (an object with execute_async(), or a spec map with"
        " 'type'), got builtin_function_or_method"
    )
    assert str(problems[5]) == "actions[1]: is empty"


def test_validate_reports_what_needs_more_than_the_values() -> None:
    checkpoint = Checkpoint("c", "data.unknownformat", validators=[])
    assert [problem.path for problem in checkpoint.validate()] == ["data_source", "validators"]


def test_fields_are_typed_objects_built_from_specs() -> None:
    checkpoint = Checkpoint(
        "c",
        "x.csv",
        validators=[{"type": "null", "config": {"columns": ["a"]}}],
        actions=[{"type": "note", "note": "hi"}],
        triggers=["test_every"],
        strategy={"type": "pipeline", "stages": [[0]]},
        min_severity="high",
        overlap="allow",
    )
    assert isinstance(checkpoint.validators[0], NullValidator)
    assert checkpoint.validators[0].config.columns == ["a"]
    assert isinstance(checkpoint.actions[0], NoteAction)
    assert isinstance(checkpoint.triggers[0], EveryTrigger)
    assert isinstance(checkpoint.strategy, PipelineStrategy)
    assert checkpoint.min_severity is Severity.HIGH
    assert checkpoint.overlap is OverlapPolicy.ALLOW


def test_add_action_and_trigger_check_what_they_get() -> None:
    checkpoint = Checkpoint("c", "x.csv", validators=["null"])
    with pytest.raises(SpecError, match=r"add_action\.actions\[0\]: expected an action"):
        checkpoint.add_action(print)  # type: ignore[arg-type]
    checkpoint.add_trigger(EveryTrigger())
    with pytest.raises(SpecError, match=r"duplicates the name of triggers\[0\]"):
        checkpoint.add_trigger(EveryTrigger())
    assert len(checkpoint.triggers) == 1 and checkpoint.actions == []


def test_strategy_config_is_checked() -> None:
    with pytest.raises(SpecError) as caught:
        Checkpoint("c", "x.csv", validators=["null"], strategy={"type": "pipeline", "x": 1})
    (problem,) = problems_of(caught.value)
    assert problem.path == "strategy" and "unknown field 'x'" in problem.message


def test_from_spec_lists_unknown_keys_and_bad_components() -> None:
    spec = {
        "name": "c",
        "validators": ["null"],
        "thresholds": {},
        "actions": [{"type": "nope"}, {"type": "note", "colour": "red"}],
        "triggers": [{"type": "test_every", "interval_s": "soon"}],
    }
    with pytest.raises(SpecError) as caught:
        Checkpoint.from_spec(spec, path="checkpoints[3]")
    message = str(caught.value)
    assert caught.value.path == "checkpoints[3].thresholds"
    for part in (
        "checkpoints[3].thresholds: unknown key",
        "checkpoints[3].data_source: is required",
        "checkpoints[3].actions[0].type: unknown action type 'nope'; known: ",
        "checkpoints[3].actions[1]: note: colour: unknown field",
        "checkpoints[3].triggers[0]: test_every: interval_s:",
    ):
        assert part in message


def test_to_spec_refuses_an_action_without_a_spec_form() -> None:
    checkpoint = Checkpoint("c", "x.csv", validators=["null"], actions=[CustomAction(print)])
    with pytest.raises(SpecError, match=r"actions\[0\]: custom action 'print' holds a Python"):
        checkpoint.to_spec()
    assert checkpoint != Checkpoint(
        "c", "x.csv", validators=["null"], actions=[CustomAction(print)]
    )
    assert checkpoint == checkpoint


def test_run_without_arguments_makes_a_run_id(tmp_path: Path) -> None:
    result = Checkpoint("c", write_frame(tmp_path, FRAME), validators=["null"]).run()
    assert len(result.run_id) == 32 and result.status is CheckpointStatus.WARNING  # 25% nulls: high
