"""polars DataFrame / LazyFrame sources: in-process runs only."""

from __future__ import annotations

import polars as pl
import pytest

from producer.async_runner import AsyncCheckpointRunner, AsyncRunnerConfig
from shared.checkpoint import Checkpoint
from shared.errors import SpecError
from shared.models import CheckpointResult, CheckpointStatus
from shared.settings import Settings

FRAME = pl.DataFrame({"id": [1, 2, None], "name": ["a", "b", "c"]})


@pytest.mark.parametrize("frame", [FRAME, FRAME.lazy()], ids=["DataFrame", "LazyFrame"])
def test_a_frame_is_validated_in_process(frame: pl.DataFrame | pl.LazyFrame) -> None:
    checkpoint = Checkpoint("frame", frame, [{"type": "not_null", "config": {"columns": ["id"]}}])
    assert checkpoint.validate() == []
    result = checkpoint.run()
    assert result.row_count == 3 and result.status is CheckpointStatus.WARNING  # 1 in 3: high
    assert result.issues[0].count == 1
    assert result.data_asset == f"polars {type(frame).__name__} (2 columns)"


def test_a_frame_has_no_spec_form() -> None:
    with pytest.raises(SpecError, match=r"runs only in-process .* give a path or URL"):
        Checkpoint("frame", FRAME, ["null"]).to_spec()


async def run_on(backend: str, settings: Settings) -> CheckpointResult:
    runner = AsyncCheckpointRunner(config=AsyncRunnerConfig(backend=backend), settings=settings)
    try:
        return await runner.run_once_async(Checkpoint("frame", FRAME, ["null"]))
    finally:
        await runner.stop_async()


async def test_the_local_backend_runs_a_frame(settings: Settings) -> None:
    assert (await run_on("local", settings)).row_count == 3


async def test_the_fleet_backend_refuses_a_frame_with_a_clear_error(settings: Settings) -> None:
    result = await run_on("redis", settings)
    assert result.status is CheckpointStatus.ERROR
    assert "cannot send the checkpoint to the fleet" in (result.error or "")
    assert "give a path or URL the workers can read" in (result.error or "")
