"""Delta Lake tables written in the test with the deltalake package."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from deltalake import write_deltalake

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus

FRAME = pl.DataFrame({"id": [1, 2, 2, 4], "amount": [1.5, None, 3.0, 9.0]})
VALIDATORS = ["null", {"type": "unique", "config": {"columns": ["id"]}}]


def test_a_delta_table_by_scheme_and_by_format(tmp_path: Path) -> None:
    table = tmp_path / "orders"
    write_deltalake(str(table), FRAME.head(2).to_arrow())
    write_deltalake(str(table), FRAME.tail(2).to_arrow(), mode="append")  # two versions
    expected = Checkpoint("frame", FRAME, VALIDATORS).run()
    by_scheme = Checkpoint("d", f"delta://{table}", VALIDATORS).run()
    by_format = Checkpoint("d", {"uri": str(table), "format": "delta"}, VALIDATORS).run()
    for result in (by_scheme, by_format):
        assert result.error is None and result.row_count == 4
        assert result.statistics["validators"] == expected.statistics["validators"]


def test_a_directory_without_a_delta_log_is_an_error(tmp_path: Path) -> None:
    result = Checkpoint("d", {"uri": str(tmp_path), "format": "delta"}, VALIDATORS).run()
    assert result.status is CheckpointStatus.ERROR
    assert f"no Delta table at {tmp_path}" in (result.error or "")
