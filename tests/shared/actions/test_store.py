from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.actions import StoreResult
from shared.actions.store import safe_path_part
from shared.async_base import ActionStatus
from shared.models import CheckpointResult, CheckpointStatus
from tests.support.results import make_result


def is_inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


async def test_writes_json_partitioned_by_checkpoint_and_date(
    tmp_path: Path, failed_result: CheckpointResult
) -> None:
    action = StoreResult(directory=str(tmp_path))
    result = await action.execute_async(failed_result)
    assert result.status is ActionStatus.SUCCESS
    day = failed_result.run_time.date().isoformat()
    path = tmp_path / "orders" / day / "run-1.json"
    assert result.details["path"] == str(path)
    assert CheckpointResult.from_dict(json.loads(path.read_text())) == failed_result
    assert [p.name for p in path.parent.iterdir()] == ["run-1.json"]  # no temp file left


async def test_runs_for_every_status_by_default(tmp_path: Path) -> None:
    action = StoreResult(directory=str(tmp_path), partition_by_date=False)
    for index, status in enumerate(CheckpointStatus):
        await action.execute_async(make_result(status, run_id=f"r{index}"))
    assert sorted(p.name for p in (tmp_path / "orders").iterdir()) == [
        "r0.json",
        "r1.json",
        "r2.json",
        "r3.json",
    ]


async def test_rewrite_replaces_atomically(tmp_path: Path) -> None:
    action = StoreResult(directory=str(tmp_path), partition_by_date=False)
    await action.execute_async(make_result(CheckpointStatus.FAILURE))
    await action.execute_async(make_result(CheckpointStatus.SUCCESS))
    stored = json.loads((tmp_path / "orders" / "run-1.json").read_text())
    assert stored["status"] == "success"


async def test_hostile_names_stay_inside_the_directory(tmp_path: Path) -> None:
    action = StoreResult(directory=str(tmp_path / "out"), partition_by_date=False)
    result = await action.execute_async(make_result(name="../../etc", run_id="../passwd"))
    assert is_inside(Path(str(result.details["path"])), tmp_path / "out")
    assert safe_path_part("..") == "_" and safe_path_part("a/b") == "a_b"


async def test_directory_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failed_result: CheckpointResult
) -> None:
    monkeypatch.setenv("RESULTS_DIR", str(tmp_path))
    action = StoreResult(directory="${RESULTS_DIR}/store")
    assert (await action.execute_async(failed_result)).success
    assert (tmp_path / "store" / "orders").is_dir()
    assert action.to_spec() == {"type": "store_result", "directory": "${RESULTS_DIR}/store"}


async def test_unwritable_directory_is_an_error_result(
    tmp_path: Path, failed_result: CheckpointResult
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = await StoreResult(directory=str(blocker)).execute_async(failed_result)
    assert result.status is ActionStatus.ERROR and result.error is not None
