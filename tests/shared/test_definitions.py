from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.checkpoint import Checkpoint
from shared.definitions import load_checkpoints
from shared.errors import SpecError

YAML = """\
checkpoints:
  - name: orders
    data_source: ${DATA_DIR}/orders.csv
    validators:
      - null
      - type: range
        config: {columns: [amount], min: 0, max: "${MAX_AMOUNT:-100}"}
    validator_config:
      null: {columns: [amount]}
    strategy: {type: pipeline, stages: [[0, 1], [2]]}
    fail_on_high: true
    timeout_s: 60
    tags: [nightly]
  - name: customers
    data_source: customers.parquet
    validators: [not_null]
    validator_config:
      not_null: {columns: [id]}
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_yaml_file_with_environment(tmp_path: Path) -> None:
    location = write(tmp_path, "checkpoints.yaml", YAML)
    first, second = load_checkpoints(location, {"DATA_DIR": "/data"})
    assert first.name == "orders" and first.data_source == "/data/orders.csv"
    assert first.validators[1].to_spec() == {
        "type": "range",
        "config": {"columns": ["amount"], "min": 0.0, "max": 100.0},
    }
    assert first.validators[0].config.columns == ["amount"]  # from validator_config
    assert first.strategy.to_spec() == {"type": "pipeline", "stages": [[0, 1], [2]]}
    assert (first.fail_on_high, first.timeout_s, first.tags) == (True, 60, {"nightly": ""})
    assert second.validators[0].config.columns == ["id"]


def test_json_file_matches_to_spec(tmp_path: Path) -> None:
    checkpoint = Checkpoint("c", "/data/x.csv", validators=["null"], tags=["a"])
    location = write(tmp_path, "defs.json", json.dumps({"checkpoints": [checkpoint.to_spec()]}))
    assert load_checkpoints(location, {}) == [checkpoint]


def test_missing_variable_names_file_and_field(tmp_path: Path) -> None:
    location = write(tmp_path, "checkpoints.yaml", YAML)
    with pytest.raises(SpecError) as caught:
        load_checkpoints(location, {})
    assert str(caught.value) == (
        f"{location}: checkpoints[0].data_source: environment variable DATA_DIR is not set"
        " and has no default"
    )


def test_every_problem_is_reported_with_its_path(tmp_path: Path) -> None:
    text = """\
checkpoints:
  - name: a
    data_source: a.csv
    validators: [null]
  - name: a
    data_source: b.xlsx
    validators:
      - type: range
        config: {columns: [x], min: soon}
      - type: nope
    colour: blue
  - name: c
    data_source: c.csv
    validators: [null]
    actions: [{type: pager}]
"""
    location = write(tmp_path, "checkpoints.yaml", text)
    with pytest.raises(SpecError) as caught:
        load_checkpoints(location, {})
    message = str(caught.value)
    for part in (
        f"{location}: checkpoints[1].colour: unknown key",
        f"{location}: checkpoints[2].actions[0].type: unknown action type 'pager'",
    ):
        assert part in message, message
    # checkpoints[1] could not be built: its other problems appear once the key is fixed.
    fixed = text.replace("    colour: blue\n", "")
    location = write(tmp_path, "fixed.yaml", fixed.replace("actions: [{type: pager}]", "tags: []"))
    with pytest.raises(SpecError) as caught:
        load_checkpoints(location, {})
    message = str(caught.value)
    for part in (
        f"{location}: checkpoints[1].data_source: unknown data reader 'xlsx'",
        f"{location}: checkpoints[1].validators[0].config.min: a bound must be",
        f"{location}: checkpoints[1].validators[1].type: unknown validator 'nope'",
        f"{location}: checkpoints[1].name: duplicates the name of checkpoints[0]",
    ):
        assert part in message, message


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.yaml", "checkpoints: {}", "checkpoints: must be a list"),
        ("a.yaml", "- 1", "expected a map with a top-level 'checkpoints' list"),
        ("a.yaml", "checkpoints: []\nextra: 1", "extra: unknown key"),
        ("a.yaml", "checkpoints: [\n", "invalid YAML"),
        ("a.json", "{", "invalid JSON"),
    ],
)
def test_malformed_files(tmp_path: Path, name: str, text: str, expected: str) -> None:
    location = write(tmp_path, name, text)
    with pytest.raises(SpecError, match=expected) as caught:
        load_checkpoints(location, {})
    assert str(caught.value).startswith(location)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="file not found"):
        load_checkpoints(str(tmp_path / "none.yml"))


@pytest.fixture
def module_dir(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith("cf_defs")]:
        del sys.modules[name]


def test_python_module(module_dir: Path) -> None:
    (module_dir / "cf_defs_a.py").write_text(
        "from shared.checkpoint import Checkpoint\n"
        "checkpoints = [Checkpoint('m', 'm.csv', validators=['null']),\n"
        "               {'name': 'n', 'data_source': 'n.parquet', 'validators': ['null']}]\n"
        "def build():\n    return [Checkpoint('f', 'f.csv', validators=['null'])]\n"
    )
    assert [c.name for c in load_checkpoints("cf_defs_a")] == ["m", "n"]
    assert [c.name for c in load_checkpoints("cf_defs_a:build")] == ["f"]


def test_python_module_problems(module_dir: Path) -> None:
    (module_dir / "cf_defs_b.py").write_text(
        "checkpoints = [{'name': 'n', 'data_source': 'n.parquet', 'validators': ['bogus']}]\n"
    )
    with pytest.raises(SpecError, match=r"cf_defs_b: checkpoints\[0\].validators\[0\]: unknown"):
        load_checkpoints("cf_defs_b")
    with pytest.raises(SpecError, match="cannot import module 'cf_defs_none'"):
        load_checkpoints("cf_defs_none")
    with pytest.raises(SpecError, match="has no attribute 'other'"):
        load_checkpoints("cf_defs_b:other")
    with pytest.raises(SpecError, match=r"not a \.yaml, \.yml or \.json file"):
        load_checkpoints("some/file.txt")
