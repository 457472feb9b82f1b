"""HTTP(S) sources against local servers with and without byte-range support."""

from __future__ import annotations

import io

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus
from tests.support.http_server import FileHTTPServer

FRAME = pl.DataFrame(
    {"id": list(range(50)), "name": [None if i % 10 == 0 else "n" for i in range(50)]}
)


def encoded(fmt: str) -> bytes:
    body = io.BytesIO()
    FRAME.write_parquet(body) if fmt == "parquet" else FRAME.write_csv(body)
    return body.getvalue()


@pytest.mark.parametrize("ranges", [True, False], ids=["ranges", "no-ranges"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_file_over_http_gives_the_figures_polars_gives(fmt: str, ranges: bool) -> None:
    expected = Checkpoint("local", FRAME, ["null"]).run()
    with FileHTTPServer({f"/data.{fmt}": encoded(fmt)}, ranges=ranges) as server:
        result = Checkpoint("http", f"{server.url}/data.{fmt}", ["null"]).run()
    assert result.error is None and result.row_count == 50
    assert result.statistics["validators"] == expected.statistics["validators"]
    ranged = [request for request in server.requests if request[2] is not None]
    assert bool(ranged) is ranges  # byte ranges only where the server serves them


def test_a_format_without_a_suffix_and_a_missing_file() -> None:
    with FileHTTPServer({"/export": encoded("csv")}, ranges=False) as server:
        found = Checkpoint("h", {"uri": f"{server.url}/export", "format": "csv"}, ["null"]).run()
        missing = Checkpoint("h", f"{server.url}/gone.csv", ["null"]).run()
    assert found.row_count == 50
    assert missing.status is CheckpointStatus.ERROR
    assert (missing.error or "").endswith("HTTP 404: Not Found")
