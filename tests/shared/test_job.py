from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.job import RunRequest, usable_run_id


def test_a_request_by_name_or_by_spec() -> None:
    assert RunRequest(checkpoint="orders").checkpoint_label == "orders"
    inline = RunRequest(checkpoint={"name": "inline", "data_source": "x.csv"}, run_id="r-1")
    assert inline.checkpoint_label == "inline"
    assert RunRequest(checkpoint={"data_source": "x"}).checkpoint_label.startswith("<inline")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"checkpoint": ""},
        {"checkpoint": 3},
        {"checkpoint": "orders", "run_id": "has space"},
        {"checkpoint": "orders", "run_id": ""},
        {"checkpoint": "orders", "surprise": 1},
        {"checkpoint": "orders", "context": "not a map"},
    ],
)
def test_malformed_requests_are_refused(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RunRequest.model_validate(payload)


def test_usable_run_id() -> None:
    assert usable_run_id({"run_id": "run-7", "checkpoint": 3}) == "run-7"
    assert usable_run_id({"run_id": "bad id"}) is None
    assert usable_run_id({"run_id": 7}) is None
    assert usable_run_id(["run-7"]) is None
