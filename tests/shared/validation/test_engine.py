"""Bad input never raises out of a run: each kind gives an `error` result saying what and where."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.io.plugins import register_io_source

from shared.checkpoint import Checkpoint
from shared.errors import SpecError
from shared.models import CheckpointStatus
from shared.sources import READERS
from shared.validation import error_result, validate_checkpoint
from tests.support.checkpoints import write_frame

FRAME = pl.DataFrame({"id": [1, 2, 3], "amount": [1.0, 2.0, None]})


def error_of(checkpoint: Checkpoint) -> str:
    result = checkpoint.run(run_id="r-1")
    assert result.status is CheckpointStatus.ERROR
    assert result.run_id == "r-1" and result.checkpoint_name == checkpoint.name
    assert result.issues == []
    assert result.error is not None
    assert result.error.startswith(f"checkpoint {checkpoint.name!r}, source ")
    return result.error


def test_missing_file(tmp_path: Path) -> None:
    source = str(tmp_path / "gone.csv")
    assert error_of(Checkpoint("c", source, validators=["null"])) == (
        f"checkpoint 'c', source {source!r}: file not found (on host {socket.gethostname()})"
    )


def test_glob_matching_nothing(tmp_path: Path) -> None:
    source = str(tmp_path / "*.parquet")
    assert error_of(Checkpoint("c", source, validators=["null"])).endswith(
        f"no file matches the pattern (on host {socket.gethostname()})"
    )


def test_glob_reads_every_file(tmp_path: Path) -> None:
    write_frame(tmp_path, FRAME, "parquet", stem="part1")
    write_frame(tmp_path, FRAME, "parquet", stem="part2")
    result = Checkpoint("c", str(tmp_path / "part*.parquet"), validators=["null"]).run()
    assert result.row_count == 6 and result.issues[0].count == 2


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    message = error_of(Checkpoint("c", str(path), validators=["null"]))
    assert "cannot read the data: " in message and "parquet" in message.lower()


def test_unreadable_csv_value(tmp_path: Path) -> None:
    # The type is inferred from the first rows; a later value that does not parse is corrupt.
    path = tmp_path / "data.csv"
    path.write_text("id\n" + "1\n" * 20_000 + "not-a-number\n")
    message = error_of(Checkpoint("c", str(path), validators=["null"]))
    assert "cannot read the data: " in message and "not-a-number" in message


def test_directory_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    assert error_of(Checkpoint("c", str(tmp_path / "dir.csv"), validators=["null"])).endswith(
        f"file not found (on host {socket.gethostname()})"
    )


def test_unknown_column(tmp_path: Path) -> None:
    source = write_frame(tmp_path, FRAME)
    spec = {"type": "not_null", "config": {"columns": ["id", "ghost"]}}
    message = error_of(Checkpoint("c", source, validators=["null", spec]))
    assert message.endswith(
        "validators[1].config.columns: validator 'not_null': unknown column 'ghost';"
        " the data has: id, amount"
    )


def test_every_unknown_column_of_every_validator_is_named(tmp_path: Path) -> None:
    source = write_frame(tmp_path, FRAME)
    validators = [
        {"type": "not_null", "config": {"columns": ["ghost", "phantom"]}},
        {"type": "unique", "config": {"columns": ["id", "spectre"]}},
    ]
    message = error_of(Checkpoint("c", source, validators=validators))
    assert "validators[0].config.columns: validator 'not_null': unknown columns 'ghost'," in message
    assert "'phantom'; the data has: id, amount" in message
    assert "validators[1].config.columns: validator 'unique': unknown column 'spectre'" in message


def construction_error(*args: Any, **fields: Any) -> str:
    with pytest.raises(SpecError) as caught:
        Checkpoint(*args, **fields)
    return str(caught.value)


def test_unknown_validator(tmp_path: Path) -> None:
    message = construction_error("c", write_frame(tmp_path, FRAME), validators=["nul"])
    assert "validators[0]: unknown validator 'nul'; known: " in message
    assert "not_null, null, outlier, range" in message


def test_bad_config_value(tmp_path: Path) -> None:
    spec = {"type": "range", "config": {"columns": ["amount"], "min": "low"}}
    message = construction_error("c", write_frame(tmp_path, FRAME), validators=[spec])
    assert "validators[0].config.min: a bound must be a number or an ISO date" in message


def test_unknown_format() -> None:
    message = error_of(Checkpoint("c", "data.xlsx", validators=["null"]))
    assert "data_source: unknown data reader 'xlsx'; known: csv, delta, http" in message


def test_every_config_problem_is_reported(tmp_path: Path) -> None:
    spec = {
        "name": "c",
        "data_source": "data.xlsx",
        "validators": ["nul", {"type": "range", "config": {"min": 0}}],
        "timeout_s": -1,
        "min_severity": "x",
    }
    with pytest.raises(SpecError) as caught:
        Checkpoint.from_spec(spec)
    message = str(caught.value)
    for part in (
        "data_source: ",
        "validators[0]: ",
        "validators[1].config: columns: name the columns",
        "timeout_s: ",
        "min_severity: ",
    ):
        assert part in message


def slow_reader(delay_s: float, on_read: threading.Event | None = None) -> object:
    def batches(
        with_columns: list[str] | None, predicate: object, n_rows: object, batch_size: object
    ) -> Iterator[pl.DataFrame]:
        if on_read is not None:
            on_read.set()
        time.sleep(delay_s)
        yield FRAME if with_columns is None else FRAME.select(with_columns)

    return lambda location: register_io_source(batches, schema=FRAME.schema)


@pytest.fixture
def reader_name() -> Iterator[str]:
    yield "slow"
    READERS.remove("slow")


def test_timeout(reader_name: str) -> None:
    READERS.add(reader_name, slow_reader(1.5))  # type: ignore[arg-type]
    checkpoint = Checkpoint("c", "slow://x", validators=["null"], timeout_s=0.2)
    started = time.perf_counter()
    message = error_of(checkpoint)
    assert time.perf_counter() - started < 1.4
    assert (
        message == "checkpoint 'c', source 'slow://x': checkpoint 'c' exceeded its timeout of 0.2 s"
    )


def test_cancel_during_the_scan_stops_before_evaluation(reader_name: str) -> None:
    cancel = threading.Event()
    READERS.add(reader_name, slow_reader(0.0, on_read=cancel))  # type: ignore[arg-type]
    checkpoint = Checkpoint("c", "slow://x", validators=["null"])
    result = validate_checkpoint(checkpoint, run_id="r", cancel=cancel)
    assert result.status is CheckpointStatus.ERROR
    assert result.error is not None
    assert result.error.endswith("run cancelled after the scan, before the evaluation")


def test_cancel_before_reading(tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    checkpoint = Checkpoint("c", write_frame(tmp_path, FRAME), validators=["null"])
    result = validate_checkpoint(checkpoint, run_id="r", cancel=cancel)
    assert result.error is not None and result.error.endswith(
        "run cancelled before reading the data"
    )


def test_a_crashing_validator_gives_an_error_result(tmp_path: Path) -> None:
    from shared.validators import VALIDATORS, Validator

    class Crashing(Validator):  # type: ignore[type-arg]
        name = "crashing"

        def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
            return {}

        def evaluate(self, values: object, row_count: int) -> object:  # type: ignore[override]
            raise ZeroDivisionError("division by zero")

    VALIDATORS.add("crashing", Crashing)
    try:
        message = error_of(Checkpoint("c", write_frame(tmp_path, FRAME), validators=["crashing"]))
    finally:
        VALIDATORS.remove("crashing")
    assert message.endswith("unexpected ZeroDivisionError: division by zero")


def test_result_fields(tmp_path: Path) -> None:
    source = write_frame(tmp_path, FRAME)
    checkpoint = Checkpoint(
        "c", source, validators=["null"], tags=["nightly"], metadata={"team": "x"}
    )
    result = checkpoint.run(run_id="r-9", context={"trigger": "cron", "when": time})
    assert result.data_asset == source and result.row_count == 3
    assert result.metadata == {
        "team": "x",
        "tags": {"nightly": ""},
        "context": {"trigger": "cron", "when": str(time)},
    }
    assert result.statistics["row_count"] == 3
    assert result.statistics["columns"] == {"id": "Int64", "amount": "Float64"}
    assert result.statistics["validators"] == [
        {
            "validator": "null",
            "figures": {
                "id": {"failing": 0, "checked": 3, "ratio": 0.0},
                "amount": {"failing": 1, "checked": 3, "ratio": pytest.approx(1 / 3)},
            },
        }
    ]
    assert result.duration_ms > 0 and result.action_results == []


def test_error_result_for_a_bare_name() -> None:
    result = error_result("orders", run_id="r", message="bad job", context={"a": 1})
    assert result.status is CheckpointStatus.ERROR
    assert result.error == "checkpoint 'orders': bad job"
    assert result.metadata == {"tags": {}, "context": {"a": 1}}
