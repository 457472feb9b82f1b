"""Small local files: the in-memory engine gives the streaming engine's result; a small file
is read once and kept while it is unchanged, a larger CSV's scan reused likewise, and a change
of any kind is seen by the next run (even one that keeps the size and restores the mtime)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus
from shared.sources import files, open_source
from shared.validation import plan
from shared.validation.plan import ENGINE, scan_engine
from tests.shared.validation.test_single_pass import FRAME, VALIDATORS
from tests.support.checkpoints import write_frame


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_both_engines_give_the_same_result(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_frame(tmp_path, FRAME, fmt)
    checkpoint = Checkpoint("engines", source, validators=VALIDATORS)
    assert scan_engine(source) == "in-memory"
    small = checkpoint.run(run_id="r")
    monkeypatch.setattr(plan, "IN_MEMORY_MAX_BYTES", 0)
    assert scan_engine(source) == ENGINE == "streaming"
    streamed = checkpoint.run(run_id="r")
    assert small.issues and small.issues == streamed.issues
    assert small.statistics == streamed.statistics
    assert (small.status, small.row_count) == (streamed.status, streamed.row_count)


def test_large_files_globs_and_urls_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_frame(tmp_path, FRAME, "csv")
    monkeypatch.setattr(plan, "IN_MEMORY_MAX_BYTES", os.path.getsize(source) - 1)
    assert scan_engine(source) == "streaming"
    assert scan_engine(str(tmp_path / "*.csv")) == "streaming"
    assert scan_engine("s3://bucket/data.csv") == "streaming"
    assert scan_engine(str(tmp_path / "missing.csv")) == "streaming"
    assert scan_engine(f"file://{tmp_path}/missing.csv") == "streaming"


def test_a_csv_scan_is_reused_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "SMALL_FILE_BYTES", 0)  # a file too large to keep read
    path = tmp_path / "data.csv"
    path.write_text("id,day\n1,2024-01-01\n")
    first = open_source(str(path))
    assert open_source(str(path)) is first
    assert first.collect_schema()["day"] == pl.Date
    path.write_text("id,day,name\n1,not a date,x\n2,2024-01-02,y\n")
    changed = open_source(str(path))
    assert changed is not first
    assert changed.collect_schema() == pl.Schema(
        {"id": pl.Int64, "day": pl.String, "name": pl.String}
    )
    assert changed.collect().height == 2


def run(path: Path) -> CheckpointStatus:
    checkpoint = Checkpoint("kept", str(path), validators=[{"type": "null", "config": {}}])
    return checkpoint.run(run_id="r").status


@pytest.mark.parametrize("suffix", ["csv", "tsv", "ndjson"])
def test_a_rewrite_of_the_same_size_and_mtime_is_read_again(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data.{suffix}"
    clean, dirty = {
        "csv": ("a,b\n1,2\n", "a,b\n1,\n\n"),
        "tsv": ("a\tb\n1\t2\n", "a\tb\n1\t\n\n"),
        "ndjson": ('{"a":1,"b":222}\n', '{"a":1,"b":null}'),
    }[suffix]
    assert len(clean) == len(dirty)
    path.write_text(clean)
    stat = path.stat()
    assert run(path) is CheckpointStatus.SUCCESS
    assert run(path) is CheckpointStatus.SUCCESS  # from the kept frame
    path.write_text(dirty)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the old mtime, same size
    assert path.stat().st_size == stat.st_size
    assert run(path) is CheckpointStatus.FAILURE


def test_a_file_is_kept_only_up_to_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a\n1\n")
    files._read_small_file.cache_clear()
    run(path)
    assert files._read_small_file.cache_info().currsize == 1
    monkeypatch.setattr(files, "SMALL_FILE_BYTES", path.stat().st_size - 1)
    files._read_small_file.cache_clear()
    run(path)
    assert files._read_small_file.cache_info().currsize == 0
