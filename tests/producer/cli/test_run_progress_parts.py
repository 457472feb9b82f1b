"""The parts of `checkfleet run`'s live line: the bytes the process reads, the data's size,
and one line that never outgrows its width."""

from __future__ import annotations

from pathlib import Path

import pytest

from producer.cli.run_progress import RunProgress, bytes_read, size_text, source_bytes
from shared.checkpoint import Checkpoint
from shared.models import CheckpointResult, CheckpointStatus


def checkpoint(name: str, source: str) -> Checkpoint:
    return Checkpoint(name=name, data_source=source, validators=["null"])


def test_bytes_read_grows_with_what_the_process_reads(tmp_path: Path) -> None:
    if not Path("/proc/self/io").exists():
        pytest.skip("no /proc/self/io here: the line shows what else it knows")
    data = tmp_path / "data.bin"
    data.write_bytes(b"x" * 3_000_000)
    before = bytes_read()
    assert before is not None
    assert len(data.read_bytes()) == 3_000_000
    after = bytes_read()
    assert after is not None and after - before >= 3_000_000


def test_the_size_is_known_only_when_every_source_is_a_local_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id\n1\n")
    (tmp_path / "b.csv").write_text("id\n1\n2\n")
    local = [checkpoint("a", str(tmp_path / "a.csv")), checkpoint("all", str(tmp_path / "*.csv"))]
    assert source_bytes(local) == 5 + (5 + 7)
    remote = checkpoint("remote", "postgresql://db/x?table=orders")
    assert source_bytes([*local, remote]) is None
    assert source_bytes([checkpoint("gone", str(tmp_path / "missing.csv"))]) is None


def test_sizes_for_people() -> None:
    assert [size_text(n) for n in (512, 1_500, 12_345_678, 2_400_000_000)] == [
        "512 B",
        "1.50 kB",
        "12.3 MB",
        "2.40 GB",
    ]


@pytest.mark.parametrize("width", [40, 78, 158])
def test_the_line_fits_its_width_and_names_what_is_known(width: int) -> None:
    runs = [checkpoint("orders_[red]_x", "a.csv"), checkpoint("b", "b.csv")]
    progress = RunProgress(runs, total_bytes=2_000_000)
    progress.done(
        CheckpointResult(
            run_id="r", checkpoint_name="b", status=CheckpointStatus.SUCCESS, row_count=1234
        )
    )
    line = progress.line(width)
    assert line.cell_len <= width
    full = progress.line(500).plain
    assert full.startswith("1 of 2 done (1,234 rows) · 0 s elapsed · ")
    assert "(files: 2.00 MB)" in full and full.endswith("running: orders_[red]_x")
