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


def test_an_inline_specs_read_follows_no_redirect_out_of_its_data_roots() -> None:
    from shared.errors import SpecRefusedError
    from shared.settings import Settings
    from shared.sources import guard_sources, open_source
    from shared.trust.policy import InlineSpecPolicy
    from tests.support.http_server import RecordingHTTPServer, Reply

    csv = Reply(body=encoded("csv"))
    with (
        RecordingHTTPServer(default=csv, address="127.0.0.2") as listed,
        RecordingHTTPServer(default=csv) as internal,
    ):
        roots = {"CHECKFLEET_DATA_ROOTS": f"{listed.url}/in"}
        guard = InlineSpecPolicy(Settings.from_env(roots), environ={}).read_guard()
        bounce = Reply(status=302, headers={"Location": f"{internal.url}/secret.csv"})
        inside = Reply(status=302, headers={"Location": f"{listed.url}/in/b.csv"})
        listed.script(bounce, inside)
        with guard_sources(guard):
            with pytest.raises(SpecRefusedError, match="rule data-roots"):
                open_source(f"{listed.url}/in/a.csv")
            assert open_source(f"{listed.url}/in/a.csv").collect().height == 50
        assert internal.requests == []
        listed.script(bounce)
        assert open_source(f"{listed.url}/in/a.csv").collect().height == 50  # trusted: followed
    assert [r.path for r in internal.requests] == ["/secret.csv"]


def test_an_inline_specs_read_is_one_guarded_get_even_with_ranges() -> None:
    from shared.settings import Settings
    from shared.sources import guard_sources, open_source
    from shared.trust.policy import InlineSpecPolicy

    with FileHTTPServer({"/in/data.parquet": encoded("parquet")}, ranges=True) as server:
        roots = {"CHECKFLEET_DATA_ROOTS": f"{server.url}/in"}
        guard = InlineSpecPolicy(Settings.from_env(roots), environ={}).read_guard()
        with guard_sources(guard):
            assert open_source(f"{server.url}/in/data.parquet").collect().height == 50
    assert [(method, ranged) for method, _, ranged in server.requests] == [("GET", None)]
