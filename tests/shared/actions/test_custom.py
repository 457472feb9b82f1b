from __future__ import annotations

import threading

import pytest

from shared.actions import CustomAction
from shared.async_base import ActionResult, ActionStatus
from shared.errors import ConfigError, SpecError
from shared.models import CheckpointResult
from shared.specs import ACTIONS, build_component

CALLS: list[str] = []


def record_checkpoint(checkpoint_result: CheckpointResult) -> str:
    CALLS.append(checkpoint_result.checkpoint_name)
    return f"recorded {checkpoint_result.checkpoint_name}"


async def test_sync_callback_runs_in_a_thread(failed_result: CheckpointResult) -> None:
    threads = []

    def callback(checkpoint_result: CheckpointResult) -> None:
        threads.append(threading.current_thread())

    result = await CustomAction(callback).execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS and result.action_name == "callback"
    assert threads and threads[0] is not threading.main_thread()


async def test_async_callback_and_return_values(failed_result: CheckpointResult) -> None:
    async def check(checkpoint_result: CheckpointResult) -> bool:
        return False

    async def explicit(checkpoint_result: CheckpointResult) -> ActionResult:
        return ActionResult(action_name="mine", action_type="custom", status=ActionStatus.SKIPPED)

    assert (await CustomAction(check).execute_async(failed_result)).status is ActionStatus.FAILURE
    mine = await CustomAction(callback=explicit).execute_async(failed_result)
    assert (mine.action_name, mine.status) == ("mine", ActionStatus.SKIPPED)
    odd = await CustomAction(lambda r: 42, name="odd").execute_async(failed_result)
    assert odd.status is ActionStatus.ERROR and "returned int" in odd.message


async def test_exceptions_become_errors_after_retries(failed_result: CheckpointResult) -> None:
    calls = 0

    def broken(checkpoint_result: CheckpointResult) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("nope")

    action = CustomAction(broken, retry_count=1, retry_delay_s=0.01)
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and calls == 2


def test_a_callable_cannot_travel_in_a_spec() -> None:
    with pytest.raises(SpecError, match=r"holds a Python callable.*module:function"):
        CustomAction(record_checkpoint).to_spec()


async def test_an_import_path_travels(failed_result: CheckpointResult) -> None:
    path = f"{__name__}:record_checkpoint"
    action = CustomAction(function=path, name="rec")
    spec = action.to_spec()
    assert spec == {"type": "custom", "function": path, "name": "rec"}
    rebuilt = build_component(ACTIONS, spec, path="actions[0]")
    result = await rebuilt.execute_async(failed_result)
    assert result.message == "recorded orders" and CALLS[-1] == "orders"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs a callback or function"),
        ({"function": "no_colon"}, "must look like 'package.module:function'"),
        ({"function": "no.such.module:f"}, "cannot import"),
        ({"function": "json:nope"}, "cannot import"),
        ({"function": "json:__doc__"}, "is not callable"),
    ],
)
def test_bad_function_paths_are_config_errors(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CustomAction(**kwargs)


def test_callback_and_path_are_exclusive() -> None:
    with pytest.raises(ConfigError, match="not both"):
        CustomAction(record_checkpoint, function=f"{__name__}:record_checkpoint")
