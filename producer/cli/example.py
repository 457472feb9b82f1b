"""The example project `checkfleet init` writes (and `make demo` runs): sample data and a
definition file with one checkpoint per outcome, so every status can be seen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.errors import ConfigError

CONFIG_NAME = "checkpoints.yaml"
DATA_DIR = "data"

_ORDERS = "id,amount,status,email\n" + "".join(
    f"{i},{10 + i * 1.5:.2f},{('paid', 'shipped', 'refunded')[i % 3]},user{i}@example.com\n"
    for i in range(1, 41)
)
# one negative amount (a medium issue: warning); a third of the amounts missing (critical)
_ORDERS_ODD = _ORDERS.replace("\n7,20.50,", "\n7,-20.50,", 1)
_ORDERS_BROKEN = "id,amount,status,email\n" + "".join(
    f"{i},{'' if i % 3 == 0 else f'{i}.00'},paid,user{i}@example.com\n" for i in range(1, 41)
)

#: The checkpoints of the example, by the status each one ends with.
EXAMPLE_STATUSES = {
    "orders": "success",
    "orders_odd": "warning",
    "orders_broken": "failure",
    "orders_missing": "error",
}

_CONFIG = """\
# checkfleet example: one checkpoint per outcome. Run them all in-process with
#   checkfleet run {config}
# or hand them to a fleet: CHECKFLEET_CHECKPOINTS={config} checkfleet worker / scheduler.
# Format: docs/checkpoints.md; JSON Schema: docs/checkpoint-schema.json.
checkpoints:
  - name: orders                 # clean data: success
    data_source: {data}/orders.csv
    validators: [null, unique, regex, in_set]
    validator_config:
      unique: {{columns: [id]}}
      regex: {{columns: [email], pattern: "^[^@]+@[^@]+$"}}
      in_set: {{columns: [status], values: [paid, shipped, refunded]}}
    triggers:
      - {{type: schedule, interval_seconds: {interval_s}}}
    tags: [example]

  - name: orders_odd             # one negative amount, a medium issue: warning
    data_source: {data}/orders_odd.csv
    validators:
      - {{type: range, config: {{columns: [amount], min: 0, severity: medium}}}}
    triggers:
      - {{type: schedule, interval_seconds: {interval_s}}}

  - name: orders_broken          # a third of the amounts missing, high: failure here
    data_source: {data}/orders_broken.csv
    validators: [null]
    fail_on_high: true
    triggers:
      - {{type: schedule, interval_seconds: {interval_s}}}

  - name: orders_missing         # the file does not exist: error
    data_source: {data}/orders_missing.csv
    validators: [null]
    triggers:
      - {{type: schedule, interval_seconds: {interval_s}}}
"""


@dataclass(frozen=True, slots=True)
class ExampleFiles:
    config: Path
    data_files: tuple[Path, ...]


def write_example(directory: Path, *, interval_s: float = 5.0, force: bool = False) -> ExampleFiles:
    """Write the example config and data under `directory`; `ConfigError` if a file exists
    (unless `force`). Data paths in the config are absolute, so any process can run it."""
    directory = directory.resolve()
    data_dir = directory / DATA_DIR
    config = directory / CONFIG_NAME
    data = {
        data_dir / "orders.csv": _ORDERS,
        data_dir / "orders_odd.csv": _ORDERS_ODD,
        data_dir / "orders_broken.csv": _ORDERS_BROKEN,
    }
    targets = [config, *data]
    existing = [str(path) for path in targets if path.exists()]
    if existing and not force:
        raise ConfigError(f"not overwriting {', '.join(existing)} (use --force)")
    data_dir.mkdir(parents=True, exist_ok=True)
    for path, text in data.items():
        path.write_text(text, encoding="utf-8")
    config.write_text(
        _CONFIG.format(config=CONFIG_NAME, data=data_dir, interval_s=interval_s),
        encoding="utf-8",
    )
    return ExampleFiles(config=config, data_files=tuple(data))
