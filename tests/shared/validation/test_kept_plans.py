"""A checkpoint's plan is kept between runs over unchanged data, shared by concurrent runs,
and made anew when the data or the validators change; never for validators that compare with
earlier runs. Over a kept small file, what the scan found is kept with the plan; over a frame
handed in-process, never."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus
from shared.sources import open_source
from shared.validation import plan as plan_module
from shared.validation.kept_plans import KEPT_PLANS
from shared.validators.entries import build_validator

ROWS = "id,amount\n" + "".join(f"{i},{i * 2}\n" for i in range(50))
VALIDATORS = [
    "null",
    {"type": "unique", "config": {"columns": ["id"]}},
    {"type": "range", "config": {"columns": ["amount"], "min": 0, "max": 50}},
]


@pytest.fixture(autouse=True)
def _no_plans_kept_before() -> None:
    KEPT_PLANS.clear()


def checkpoint_over(path: Path, validators: list[object] = VALIDATORS) -> Checkpoint:
    return Checkpoint("kept", str(path), validators=validators)


def test_a_rerun_over_unchanged_data_reuses_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(ROWS)
    checkpoint = checkpoint_over(path)
    first = checkpoint.run(run_id="r1")
    plan = KEPT_PLANS.get(checkpoint, open_source(str(path)))
    assert plan is not None
    second = checkpoint.run(run_id="r2")
    assert KEPT_PLANS.get(checkpoint, open_source(str(path))) is plan
    assert second.status is first.status is CheckpointStatus.FAILURE  # amounts above 50
    assert second.issues == first.issues and second.statistics == first.statistics
    path.write_text(ROWS.replace("98", "10"))  # one amount above the range fewer, same size
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))
    changed = checkpoint.run(run_id="r3")
    assert KEPT_PLANS.get(checkpoint, open_source(str(path))) is not plan
    assert changed.issues[0].count == first.issues[0].count - 1


def test_a_rerun_over_an_unchanged_small_file_does_not_scan_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.csv"
    path.write_text(ROWS)
    checkpoint = checkpoint_over(path)
    scans: list[object] = []
    real_collect = plan_module.collect_row

    def counting_collect(job: plan_module.ScanJob) -> dict[str, object]:
        scans.append(job)
        return real_collect(job)

    monkeypatch.setattr(plan_module, "collect_row", counting_collect)
    first = checkpoint.run(run_id="r1")
    second = checkpoint.run(run_id="r2")
    assert len(scans) == 1
    assert second.run_id == "r2" and second.issues == first.issues
    assert second.statistics == first.statistics and second.row_count == first.row_count
    path.write_text(ROWS.replace("98", "10"))  # changed: scanned again, one issue row fewer
    changed = checkpoint.run(run_id="r3")
    assert len(scans) == 2 and changed.issues[0].count == first.issues[0].count - 1


def test_a_frame_handed_in_process_is_scanned_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.csv"
    path.write_text(ROWS)
    frame = pl.scan_csv(path)  # reads the file at each collect: it may change under it
    checkpoint = Checkpoint("handed", frame, validators=VALIDATORS)
    first = checkpoint.run(run_id="r1")
    path.write_text(ROWS.replace("98", "10"))
    second = checkpoint.run(run_id="r2")
    assert second.issues[0].count == first.issues[0].count - 1


def test_a_shared_plan_serves_concurrent_runs(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(ROWS)
    checkpoint = checkpoint_over(path)
    expected = checkpoint.run(run_id="r0")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: checkpoint.run(run_id=f"r{i}"), range(1, 41)))
    assert {result.run_id for result in results} == {f"r{i}" for i in range(1, 41)}
    for result in results:
        assert result.issues == expected.issues and result.statistics == expected.statistics


def test_a_changed_validator_list_plans_anew(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(ROWS)
    checkpoint = checkpoint_over(path)
    checkpoint.run(run_id="r1")
    checkpoint.validators.pop()  # the range validator, whose issue the kept plan would give
    assert checkpoint.run(run_id="r2").status is CheckpointStatus.SUCCESS


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "null", "config": {"baseline": True}},
        "row_count",
        "distribution",
        {"type": "schema", "config": {"columns": {"id": "Int64"}}},
    ],
    ids=["null baseline", "learned row count", "distribution", "schema"],
)
def test_validators_that_compare_with_earlier_runs_are_planned_each_run(
    tmp_path: Path, entry: object
) -> None:
    path = tmp_path / "data.csv"
    path.write_text(ROWS)
    build_validator(entry, {}, path="v")  # a valid entry
    checkpoint = checkpoint_over(path, [*VALIDATORS, entry])
    checkpoint.run(run_id="r1")
    assert KEPT_PLANS.get(checkpoint, open_source(str(path))) is None
