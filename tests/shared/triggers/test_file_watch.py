"""FileWatchTrigger on real files in tmp_path."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from shared.async_base import TriggerResult
from shared.errors import ConfigError
from shared.triggers import FileWatchTrigger


async def fired(trigger: FileWatchTrigger, polls: int = 3) -> list[TriggerResult]:
    results = [await trigger.should_trigger_async() for _ in range(polls)]
    return [result for result in results if result.should_run]


def bump_mtime(path: Path, seconds: int = 10) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 10**9))


async def test_a_file_arrival_fires_once(tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_text("a\n1\n")
    trigger = FileWatchTrigger(paths=[str(tmp_path)], settle_s=0)
    await trigger.start_async()
    assert await fired(trigger) == []  # the baseline does not fire
    new = tmp_path / "new.csv"
    new.write_text("a\n1\n2\n")
    results = await fired(trigger, polls=5)
    assert len(results) == 1
    result = results[0]
    assert result.context["paths"] == [str(new)]
    [info] = result.context["files"]
    assert (info["change"], info["size"]) == ("created", 6)
    assert result.fire_id == f"{new}|6|{new.stat().st_mtime_ns}"


async def test_existing_files_fire_when_asked(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(name)
    trigger = FileWatchTrigger(paths=str(tmp_path / "*.csv"), settle_s=0, fire_on_existing=True)
    await trigger.start_async()
    results = await fired(trigger)
    assert sorted(path for result in results for path in result.context["paths"]) == [
        str(tmp_path / "a.csv"),
        str(tmp_path / "b.csv"),
    ]


async def test_a_modified_file_fires_again(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a\n1\n")
    trigger = FileWatchTrigger(paths=[str(path)], settle_s=0)
    await trigger.start_async()
    path.write_text("a\n1\n2\n")
    [result] = await fired(trigger)
    assert result.context["files"][0]["change"] == "modified"
    bump_mtime(path)  # same size, new mtime: still a new version
    assert len(await fired(trigger)) == 1


async def test_with_hash_content_a_touch_does_not_fire(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a\n1\n")
    trigger = FileWatchTrigger(paths=[str(path)], settle_s=0, hash_content=True)
    await trigger.start_async()
    bump_mtime(path)
    assert await fired(trigger) == []
    path.write_text("a\n9\n")  # same size, new content
    bump_mtime(path, 20)
    [result] = await fired(trigger)
    assert len(result.context["files"][0]["sha256"]) == 64
    assert result.fire_id is not None and result.fire_id.endswith(
        result.context["files"][0]["sha256"]
    )


async def test_a_file_being_written_waits_to_settle(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    trigger = FileWatchTrigger(paths=[str(tmp_path)], settle_s=0.3)
    await trigger.start_async()
    with path.open("w") as handle:
        for chunk in range(4):
            handle.write(f"row {chunk}\n" * 100)
            handle.flush()
            result = await trigger.should_trigger_async()
            assert not result.should_run
            await asyncio.sleep(0.1)
    assert not (await trigger.should_trigger_async()).should_run  # seen, not settled yet
    await asyncio.sleep(0.35)
    result = await trigger.should_trigger_async()
    assert result.should_run
    assert result.context["files"][0]["size"] == path.stat().st_size
    assert await fired(trigger) == []


async def test_globs_and_recursion(tmp_path: Path) -> None:
    (tmp_path / "in" / "2026").mkdir(parents=True)
    trigger = FileWatchTrigger(paths=[str(tmp_path / "in" / "**" / "*.parquet")], settle_s=0)
    await trigger.start_async()
    (tmp_path / "in" / "2026" / "x.parquet").write_bytes(b"PAR1")
    (tmp_path / "in" / "2026" / "x.tmp").write_bytes(b"....")
    (tmp_path / "in" / "y.parquet").write_bytes(b"PAR1")
    results = await fired(trigger)
    assert sorted(result.context["paths"][0] for result in results) == [
        str(tmp_path / "in" / "2026" / "x.parquet"),
        str(tmp_path / "in" / "y.parquet"),
    ]
    folder = FileWatchTrigger(paths=[str(tmp_path / "in")], recursive=True, settle_s=0)
    folder_flat = FileWatchTrigger(paths=[str(tmp_path / "in")], settle_s=0, fire_on_existing=True)
    await folder.start_async()
    await folder_flat.start_async()
    (tmp_path / "in" / "2026" / "z.csv").write_text("z")
    assert [r.context["paths"] for r in await fired(folder)] == [
        [str(tmp_path / "in" / "2026" / "z.csv")]
    ]
    assert [r.context["paths"] for r in await fired(folder_flat)] == [
        [str(tmp_path / "in" / "y.parquet")]
    ]


async def test_a_deleted_file_that_comes_back_fires_again(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("1")
    trigger = FileWatchTrigger(paths=[str(tmp_path)], settle_s=0)
    await trigger.start_async()
    path.unlink()
    assert await fired(trigger) == []
    path.write_text("1")
    [result] = await fired(trigger)
    assert result.context["files"][0]["change"] == "created"


async def test_batch_coalesces_one_evaluation(tmp_path: Path) -> None:
    trigger = FileWatchTrigger(paths=[str(tmp_path)], settle_s=0, batch=True)
    twin = FileWatchTrigger(paths=[str(tmp_path)], settle_s=0, batch=True)
    await trigger.start_async()
    await twin.start_async()
    for name in ("a", "b", "c"):
        (tmp_path / name).write_text(name)
    [result] = await fired(trigger)
    assert len(result.context["paths"]) == 3
    assert result.fire_id is not None and result.fire_id.startswith("files:")
    [same] = await fired(twin)
    assert same.fire_id == result.fire_id


async def test_two_schedulers_compute_the_same_identity(tmp_path: Path) -> None:
    one = FileWatchTrigger(paths=[str(tmp_path)], settle_s=0)
    two = FileWatchTrigger(paths=[str(tmp_path)], settle_s=0)
    await one.start_async()
    await two.start_async()
    (tmp_path / "a").write_text("a")
    [first] = await fired(one)
    [second] = await fired(two)
    assert first.fire_id == second.fire_id
    assert first.fire_time == second.fire_time


async def test_missing_paths_are_quiet(tmp_path: Path) -> None:
    trigger = FileWatchTrigger(paths=[str(tmp_path / "nowhere"), str(tmp_path / "none*.csv")])
    assert await fired(trigger) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "paths: Field required"),
        ({"paths": []}, "paths: "),
        ({"paths": ["/x"], "settle_s": -1}, "settle_s: "),
        ({"paths": ["/x"], "interval": 3}, "interval: unknown field"),
    ],
)
def test_bad_config_names_the_problem(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=rf"^file_watch: .*{message}"):
        FileWatchTrigger(**fields)


async def test_each_arrival_is_validated_alone_through_trigger_path(tmp_path: Path) -> None:
    from shared.checkpoint import Checkpoint
    from shared.firing.run_request import firing_request
    from shared.models import CheckpointStatus

    (tmp_path / "old_bad.csv").write_text("id\n1\n\n")  # a null: fails not_null
    trigger = FileWatchTrigger(paths=[str(tmp_path)], settle_s=0)
    checkpoint = Checkpoint(
        "arrivals",
        "${trigger.path}",
        validators=[{"type": "not_null", "config": {"columns": ["id"]}}],
        triggers=[trigger],
    )
    await trigger.start_async()
    new = tmp_path / "new_good.csv"
    new.write_text("id\n1\n2\n")
    [firing] = await fired(trigger, polls=5)
    assert firing.context["path"] == str(new)
    request = firing_request("arrivals", trigger.name, firing)
    result = await checkpoint.run_async(context=request.context)
    assert result.status is CheckpointStatus.SUCCESS, result.error
    assert result.data_asset == str(new) and result.row_count == 2
