"""Large scans in a child process: the same row as in the thread, and a timed-out run's scan
is stopped at once, so its capacity is free within 2 s of the timeout (in a thread the scan
would go on to its end)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.errors import ScanCancelledError
from shared.execution import CheckpointExecutor
from shared.models import CheckpointStatus
from shared.validation.plan import plan_scan, run_scan
from shared.validation.scan_process import ScanProcesses
from shared.validators.entries import build_validator

pytestmark = pytest.mark.slow

ROWS = 6_000_000
#: Validators that read every row and keep a column: a long scan.
HEAVY: list[object] = ["null", {"type": "unique", "config": {"columns": ["id"]}}]


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~200 MB of CSV: a scan of a second or more on this machine."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    index = pl.int_range(0, ROWS)
    pl.select(
        id=index, amount=index * 0.37, name=pl.lit("customer-") + (index % 997).cast(pl.String)
    ).write_csv(path)
    return path


@pytest.fixture
def scanner() -> Iterator[ScanProcesses]:
    processes = ScanProcesses()
    processes.warm()  # as a worker does at start-up
    yield processes
    processes.close()


def plan_of(path: Path, *names: str) -> object:
    validators = [
        build_validator(name, {}, path=f"validators[{n}]") for n, name in enumerate(names)
    ]
    return dataclasses.replace(plan_scan(str(path), validators), engine="streaming")


def test_a_scan_in_a_process_gives_the_same_row(tmp_path: Path, scanner: ScanProcesses) -> None:
    path = tmp_path / "small.csv"
    path.write_text("id,amount\n1,2.5\n2,\n3,4.0\n")
    plan = plan_of(path, "null")
    assert scanner(plan, None) == run_scan(plan)  # type: ignore[arg-type]
    assert scanner(plan, None) == run_scan(plan), "a second scan reuses the idle process"  # type: ignore[arg-type]


def test_a_cancel_kills_the_scan_at_once(big_csv: Path, scanner: ScanProcesses) -> None:
    plan = plan_of(big_csv, *HEAVY)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(ScanCancelledError):
        scanner(plan, cancel)  # type: ignore[arg-type]
    assert time.monotonic() - started < 0.3 + 1.0
    (pid,) = scanner.killed
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone: its CPU is free
    assert scanner.busy == 0


async def test_a_timed_out_run_frees_its_capacity_within_two_seconds(
    big_csv: Path, scanner: ScanProcesses
) -> None:
    checkpoint = Checkpoint(name="big", data_source=str(big_csv), validators=HEAVY, timeout_s=0.5)
    # The timeout must land during the scan: on a loaded machine the run may reach its scan
    # only after 0.5 s (then there is no scan to stop), so up to 3 tries.
    scan_times: list[float] = []  # when the scan started and ended

    def scanning(plan: Any, cancel: threading.Event | None) -> dict[str, Any]:
        scan_times.append(time.monotonic())
        try:
            return scanner(plan, cancel)
        finally:
            scan_times.append(time.monotonic())

    for _ in range(3):
        scan_times.clear()
        async with CheckpointExecutor(scanner=scanning) as executor:
            started = time.monotonic()
            result = await executor.execute(checkpoint, run_id="big-1")
            timed_out_s = time.monotonic() - started
            assert result.status is CheckpointStatus.ERROR and "timeout" in (result.error or "")
            while scanner.busy:  # the validation thread still waits for its scan process
                assert time.monotonic() - started - timed_out_s < 2.0, "capacity still taken"
                await asyncio.sleep(0.01)
            freed_s = time.monotonic() - started - timed_out_s
        if len(scan_times) == 2 and scan_times[0] < started + timed_out_s < scan_times[1]:
            break
    else:
        pytest.fail("in 3 tries the timeout never landed during the scan")
    assert len(scanner.killed) == 1
    print(f"timeout 0.5 s: result at {timed_out_s:.2f} s, scan stopped {freed_s:.2f} s later")
