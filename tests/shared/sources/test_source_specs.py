"""The data_source forms: string and map, resolution, relative paths, placeholders, labels."""

from __future__ import annotations

import socket
from pathlib import Path

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.definitions import load_checkpoints
from shared.errors import SpecError
from shared.models import CheckpointStatus
from shared.sources import resolve_source, source_label
from tests.support.checkpoints import write_frame

FRAME = pl.DataFrame({"id": [1, 2, 3], "amount": [1.0, None, 3.0]})


def test_the_map_form_reads_like_the_string_form(tmp_path: Path) -> None:
    path = write_frame(tmp_path, FRAME, "parquet")
    by_string = Checkpoint("s", path, validators=["null"]).run()
    by_map = Checkpoint("m", {"uri": path}, validators=["null"]).run()
    assert by_string.status is by_map.status is CheckpointStatus.WARNING  # 1 null in 3: high
    assert by_string.statistics == by_map.statistics
    assert by_map.data_asset == path


def test_format_names_the_reader_when_the_uri_cannot(tmp_path: Path) -> None:
    path = tmp_path / "export"
    FRAME.write_csv(path)
    result = Checkpoint("c", {"uri": str(path), "format": "csv"}, validators=["null"]).run()
    assert result.row_count == 3
    problems = Checkpoint("c", {"uri": str(path)}, validators=["null"]).validate()
    assert [p.path for p in problems] == ["data_source"]
    assert "give 'format'" in problems[0].message


def test_a_bad_map_is_reported_at_validation_with_every_field() -> None:
    checkpoint = Checkpoint("c", {"uri": "", "colour": 1}, validators=["null"])
    assert [str(problem) for problem in checkpoint.validate()] == [
        "data_source.uri: String should have at least 1 character",
        "data_source.colour: unknown field",
    ]
    both = Checkpoint("c", {"uri": "x.csv", "table": "t", "query": "q"}, validators=["null"])
    assert [str(problem) for problem in both.validate()] == [
        "data_source: give either table or query, not both"
    ]


def test_the_map_form_round_trips_through_the_spec(tmp_path: Path) -> None:
    source = {"uri": "s3://bucket/in/*.parquet", "storage_options": {"aws_region": "eu-west-1"}}
    checkpoint = Checkpoint("c", source, validators=["null"])
    assert Checkpoint.from_spec(checkpoint.to_spec()) == checkpoint


def test_relative_paths_in_a_definition_file_resolve_against_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "defs"
    (folder / "data").mkdir(parents=True)
    write_frame(folder / "data", FRAME, "csv", stem="orders")
    definition = folder / "checkpoints.yaml"
    definition.write_text(
        "checkpoints:\n"
        "  - {name: a, data_source: data/orders.csv, validators: [null]}\n"
        "  - {name: b, data_source: {uri: data/orders.csv}, validators: [null]}\n"
        "  - {name: c, data_source: data/gone.csv, validators: [null]}\n"
    )
    monkeypatch.chdir(tmp_path)  # the process runs elsewhere: the file's directory counts
    first, second, missing = load_checkpoints("defs/checkpoints.yaml")
    assert first.run().row_count == second.run().row_count == 3
    result = missing.run()
    absolute = str(folder / "data" / "gone.csv")
    assert result.status is CheckpointStatus.ERROR
    assert result.error == (
        f"checkpoint 'c', source {absolute!r}: file not found (on host {socket.gethostname()})"
    )


def test_trigger_path_placeholder_reads_the_file_of_the_context(tmp_path: Path) -> None:
    good = write_frame(tmp_path, FRAME.drop_nulls(), "csv", stem="good")
    checkpoint = Checkpoint("c", "${trigger.path}", validators=["null"])
    assert checkpoint.validate() == []
    result = checkpoint.run(context={"path": good})
    assert result.status is CheckpointStatus.SUCCESS and result.data_asset == good
    unfilled = checkpoint.run()
    assert unfilled.status is CheckpointStatus.ERROR
    assert "${trigger.path} but the run context has no 'path'" in (unfilled.error or "")


def test_variables_expand_at_resolution_and_their_values_stay_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAKE_KEY", "very-secret-key")
    monkeypatch.setenv("LAKE_BUCKET", "bucket")
    source = resolve_source(
        {
            "uri": "s3://${LAKE_BUCKET}/x.parquet",
            "storage_options": {"aws_secret_access_key": "${LAKE_KEY}", "aws_region": "x"},
        }
    )
    assert source.uri == "s3://bucket/x.parquet"
    assert source.storage_options["aws_secret_access_key"] == "very-secret-key"
    assert source.redact("denied for very-secret-key") == "denied for ***"
    assert "very-secret-key" not in source.label
    with pytest.raises(SpecError, match="LAKE_NOPE is not set"):
        resolve_source("s3://${LAKE_NOPE}/x.parquet")


def test_labels_never_show_a_password() -> None:
    uri = "postgresql://app:hunter22@db.internal:5432/shop?sslpassword=abc123"
    label = source_label({"uri": uri, "table": "public.orders"})
    assert label == "postgresql://app:***@db.internal:5432/shop?sslpassword=*** table public.orders"
    source = resolve_source({"uri": uri, "query": "SELECT 1"})
    assert "hunter22" not in source.label and source.label.endswith(" query")
    assert source.locations == ("postgresql://app:***@db.internal:5432/shop?sslpassword=***",)
    assert "hunter22" not in repr(Checkpoint("c", {"uri": uri, "table": "t"}))


def test_locations_are_what_a_policy_judges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_source("in/*.csv").locations == (str(tmp_path / "in" / "*.csv"),)
    assert resolve_source(f"file://{tmp_path}/a.csv").locations == (str(tmp_path / "a.csv"),)
    assert resolve_source("https://h/x.csv").locations == ("https://h/x.csv",)
    assert resolve_source(FRAME).locations == ()
