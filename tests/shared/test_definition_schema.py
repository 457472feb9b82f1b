"""The committed JSON Schema of definition files stays what the models generate, accepts the
files checkfleet accepts and rejects what it rejects; the docs name every built-in type."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from producer.cli.example import write_example
from shared.checkpoint import SPEC_FIELDS
from shared.definition_schema import _built_in, definition_schema, schema_text
from shared.definitions import load_checkpoints
from shared.errors import SpecError
from shared.specs import ACTIONS, STRATEGIES, TRIGGERS
from shared.validators import VALIDATORS
from tests.worker.fleet import write_fleet_files

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = definition_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_the_committed_schema_is_current() -> None:
    committed = (DOCS / "checkpoint-schema.json").read_text()
    assert committed == schema_text(), "stale: run `make schema` and commit the result"


def doc_example() -> str:
    text = (DOCS / "checkpoints.md").read_text()
    match = re.search(r"<!-- example: definition-file -->\n```yaml\n(.*?)```", text, re.DOTALL)
    assert match, "docs/checkpoints.md lost its example"
    return match.group(1)


def test_files_checkfleet_loads_are_valid(
    validator: jsonschema.Draft202012Validator, tmp_path: Path
) -> None:
    example = write_example(tmp_path / "example").config
    fleet = write_fleet_files(tmp_path)
    documented = tmp_path / "documented.yaml"
    documented.write_text(doc_example())
    for path in (example, fleet, documented):
        load_checkpoints(str(path))  # checkfleet accepts it...
        assert errors(validator, yaml.safe_load(path.read_text())) == [], path  # ...so does this


@pytest.mark.parametrize(
    ("checkpoint", "expected"),
    [
        ({"name": "a", "data_source": "x.csv", "validators": ["nope"]}, "not valid under any"),
        ({"name": "a", "data_source": "x.csv", "validators": ["null"], "colour": 1}, "colour"),
        ({"name": "a", "validators": ["null"]}, "'data_source' is a required property"),
        (
            {
                "name": "a",
                "data_source": "x.csv",
                "validators": [{"type": "range", "config": {"columns": ["a"], "mini": 0}}],
            },
            "not valid under any",
        ),
        (
            {
                "name": "a",
                "data_source": "x.csv",
                "validators": ["null"],
                "actions": [{"type": "webhook", "url": "http://x", "colour": "red"}],
            },
            "not valid under any",
        ),
        (
            {"name": "a", "data_source": "x.csv", "validators": ["null"], "timeout_s": 0},
            "not valid under any",
        ),
    ],
)
def test_what_checkfleet_rejects_the_schema_rejects(
    validator: jsonschema.Draft202012Validator,
    tmp_path: Path,
    checkpoint: dict[str, Any],
    expected: str,
) -> None:
    document = {"checkpoints": [checkpoint]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SpecError):
        load_checkpoints(str(path))
    assert any(expected in message for message in errors(validator, document))


def test_the_schema_has_every_checkpoint_field() -> None:
    properties = definition_schema()["$defs"]["checkpoint"]["properties"]
    assert list(properties) == list(SPEC_FIELDS)


def test_docs_name_every_built_in_type() -> None:
    text = (DOCS / "checkpoints.md").read_text()
    for registry in (VALIDATORS, ACTIONS, TRIGGERS, STRATEGIES):
        for name in _built_in(registry):
            assert f"`{name}`" in text, f"docs/checkpoints.md does not mention {name}"
