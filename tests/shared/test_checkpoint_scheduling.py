"""The scheduling fields of a checkpoint: overlap policy and catch-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.checkpoint import (
    DEFAULT_CATCH_UP_LIMIT,
    CatchUpPolicy,
    Checkpoint,
    OverlapPolicy,
)
from shared.codec import packb, unpackb
from shared.definitions import load_checkpoints
from shared.errors import SpecError
from shared.problems import problems_of


def test_defaults_are_skip_and_latest() -> None:
    checkpoint = Checkpoint("c", "x.csv", validators=["null"])
    assert checkpoint.overlap_policy is OverlapPolicy.SKIP
    assert checkpoint.catch_up_policy is CatchUpPolicy.LATEST
    assert checkpoint.catch_up_limit == DEFAULT_CATCH_UP_LIMIT
    spec = checkpoint.to_spec()
    assert (spec["overlap"], spec["catch_up"], spec["catch_up_limit"]) == ("skip", "latest", 10)


def test_spec_round_trip_keeps_the_policies() -> None:
    checkpoint = Checkpoint(
        "c",
        "x.csv",
        validators=["null"],
        overlap=OverlapPolicy.QUEUE_LATEST,
        catch_up="all",
        catch_up_limit=3,
    )
    spec = unpackb(packb(checkpoint.to_spec()))
    assert spec["overlap"] == "queue_latest" and spec["catch_up"] == "all"
    travelled = Checkpoint.from_spec(spec)
    assert travelled == checkpoint
    assert travelled.overlap_policy is OverlapPolicy.QUEUE_LATEST
    assert travelled.catch_up_policy is CatchUpPolicy.ALL and travelled.catch_up_limit == 3


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ({"overlap": "sometimes"}, "overlap", "must be one of: skip, allow, queue_latest"),
        ({"catch_up": "everything"}, "catch_up", "must be one of: none, latest, all"),
        ({"catch_up_limit": 0}, "catch_up_limit", "must be a whole number of at least 1"),
        ({"catch_up_limit": 2.5}, "catch_up_limit", "must be a whole number of at least 1"),
        ({"catch_up_limit": True}, "catch_up_limit", "must be a whole number of at least 1"),
    ],
)
def test_from_spec_names_a_bad_policy(fields: dict[str, object], path: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        Checkpoint.from_spec(
            {"name": "c", "data_source": "x.csv", "validators": ["null"], **fields}
        )
    (problem,) = problems_of(caught.value)
    assert (problem.path, problem.message) == (path, message)


def test_definition_file_carries_the_policies(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.yaml"
    path.write_text(
        "checkpoints:\n"
        "  - name: orders\n"
        "    data_source: orders.csv\n"
        "    validators: [null]\n"
        "    overlap: allow\n"
        "    catch_up: none\n"
    )
    (checkpoint,) = load_checkpoints(str(path))
    assert checkpoint.overlap_policy is OverlapPolicy.ALLOW
    assert checkpoint.catch_up_policy is CatchUpPolicy.NONE


def test_definition_file_rejects_a_bad_policy_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.yaml"
    path.write_text(
        "checkpoints:\n"
        "  - name: orders\n"
        "    data_source: orders.csv\n"
        "    validators: [null]\n"
        "    overlap: never\n"
    )
    with pytest.raises(SpecError, match=r"checkpoints\[0\]\.overlap: must be one of"):
        load_checkpoints(str(path))


def test_trigger_names_must_be_unique_within_a_checkpoint() -> None:
    with pytest.raises(SpecError) as caught:
        Checkpoint.from_spec(
            {
                "name": "c",
                "data_source": "x.csv",
                "validators": ["null"],
                "triggers": [
                    {"type": "schedule", "interval_minutes": 5},
                    {"type": "schedule", "name": "hourly", "interval_hours": 1},
                    {"type": "schedule", "interval_hours": 2},
                ],
            }
        )
    (problem,) = problems_of(caught.value)
    assert problem.path == "triggers[2].name"
    assert problem.message.startswith("'schedule' duplicates the name of triggers[0]")
