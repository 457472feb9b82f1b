"""Data, definitions and stream readers shared by the worker tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from shared import codec
from shared.models import CheckpointResult
from shared.settings import Settings

GOOD_ROWS = "id,amount\n1,10.5\n2,20.0\n3,7.25\n4,99.0\n"
# half the amounts missing: a critical null issue, so the run fails
BAD_ROWS = "id,amount\n1,10.5\n2,\n3,\n4,99.0\n"

DEFINITIONS = """\
checkpoints:
  - name: orders
    data_source: {data}/orders.csv
    validators: [null, unique]
    validator_config:
      unique: {{columns: [id]}}
  - name: orders_bad
    data_source: {data}/orders_bad.csv
    validators: [null]
    fail_on_high: true
  - name: orders_missing
    data_source: {data}/does-not-exist.csv
    validators: [null]
  - name: slow
    data_source: {data}/orders.csv
    validators: [null]
    actions:
      - {{type: custom, function: "tests.support.actions:pause"}}
"""


def write_fleet_files(directory: Path) -> Path:
    """Writes the data files and the definitions; returns the definitions' path."""
    (directory / "orders.csv").write_text(GOOD_ROWS)
    (directory / "orders_bad.csv").write_text(BAD_ROWS)
    definitions = directory / "checkpoints.yaml"
    definitions.write_text(DEFINITIONS.format(data=directory))
    return definitions


def inline_spec(directory: Path, **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "inline",
        "data_source": str(directory / "orders.csv"),
        "validators": ["null"],
    }
    spec.update(overrides)
    return spec


async def read_results(redis: Redis, settings: Settings) -> list[CheckpointResult]:
    entries = await redis.xrange(settings.keys.results)
    return [codec.decode_result(fields[b"result"]) for _, fields in entries]
