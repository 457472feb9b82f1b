"""The JSON Schema of checkpoint definition files, generated from the models.

Validator configs, action configs and trigger configs are pydantic models; strategies take
keyword arguments, turned into a model from their signature. `definition_schema()` puts them
together with the checkpoint fields; ``python -m shared.definition_schema`` prints it, and
``docs/checkpoint-schema.json`` is that output (a test keeps it current). Editors use it to
complete and check definition files (e.g. ``# yaml-language-server: $schema=...``).

The schema describes a file after ``${VAR}`` expansion; only built-in types are in it, since
plugins register theirs at run time.
"""

from __future__ import annotations

import copy
import inspect
import json
import sys
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model
from pydantic.json_schema import models_json_schema

import shared.checkpoint
import shared.validators  # noqa: F401  (registers the built-in validators)
from shared.checkpoint import (
    DEFAULT_CATCH_UP_LIMIT,
    DEFAULT_STRATEGY,
    DEFAULT_TIMEOUT_S,
    CatchUpPolicy,
    OverlapPolicy,
)
from shared.definitions import TOP_LEVEL_KEY
from shared.models import Severity
from shared.registry import Registry
from shared.specs import ACTIONS, STRATEGIES, TRIGGERS, TYPE_FIELD
from shared.validators import VALIDATORS

SCHEMA_ID = "https://checkfleet.invalid/checkpoint-schema.json"
_REF = "#/$defs/{model}"
_OURS = "shared."


def _config_model(cls: type[Any]) -> type[BaseModel]:
    model: type[BaseModel] = type(cls._default_config())
    return model


def _strategy_model(name: str, cls: type[Any]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for parameter in inspect.signature(cls, eval_str=True).parameters.values():
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (parameter.annotation, default)
    model: type[BaseModel] = create_model(
        f"{cls.__name__}Config", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def _built_in(registry: Registry[type[Any]]) -> list[str]:
    # Only checkfleet's own types: plugins (and tests) may have registered more by now.
    return [name for name in registry.names() if registry.get(name).__module__.startswith(_OURS)]


def definition_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a definition file."""
    validators = {name: VALIDATORS.get(name).config_model for name in _built_in(VALIDATORS)}
    actions = {name: _config_model(ACTIONS.get(name)) for name in _built_in(ACTIONS)}
    triggers = {name: _config_model(TRIGGERS.get(name)) for name in _built_in(TRIGGERS)}
    strategies = {
        name: _strategy_model(name, STRATEGIES.get(name)) for name in _built_in(STRATEGIES)
    }
    every = [*validators.values(), *actions.values(), *triggers.values(), *strategies.values()]
    refs, top = models_json_schema(
        [(model, "validation") for model in dict.fromkeys(every)], ref_template=_REF
    )
    defs: dict[str, Any] = top.get("$defs", {})

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return {"$ref": refs[(model, "validation")]["$ref"]}

    def typed(kind: str, name: str, model: type[BaseModel]) -> dict[str, Any]:
        # Actions, triggers and strategies are flat maps: ``type`` beside the config fields.
        target = refs[(model, "validation")]["$ref"].rsplit("/", 1)[-1]
        schema: dict[str, Any] = copy.deepcopy(defs[target])
        schema["properties"] = {TYPE_FIELD: {"const": name}, **schema.get("properties", {})}
        schema["required"] = [TYPE_FIELD, *schema.get("required", [])]
        schema["title"] = f"{kind} {name}"
        return schema

    def flat_family(kind: str, models: dict[str, type[BaseModel]], key: str) -> None:
        for name, model in models.items():
            defs[f"{key}.{name}"] = typed(kind, name, model)
        names = {"enum": sorted(models)}
        defs[key] = {
            "oneOf": [names, *({"$ref": f"#/$defs/{key}.{name}"} for name in sorted(models))]
        }

    flat_family("action", actions, "action")
    flat_family("trigger", triggers, "trigger")
    flat_family("strategy", strategies, "strategy")
    defs["validator"] = {
        "oneOf": [
            # YAML reads a bare ``null`` as a null value: in this position it names the
            # ``null`` validator (see `shared.definitions`).
            {"enum": [*sorted(validators), None]},
            *(
                {
                    "type": "object",
                    "title": f"validator {name}",
                    "properties": {TYPE_FIELD: {"const": name}, "config": ref(model)},
                    "required": [TYPE_FIELD],
                    "additionalProperties": False,
                }
                for name, model in sorted(validators.items())
            ),
        ]
    }
    defs["checkpoint"] = _checkpoint_schema(
        {name: ref(model) for name, model in sorted(validators.items())}
    )
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "checkfleet checkpoint definitions",
        "type": "object",
        "properties": {TOP_LEVEL_KEY: {"type": "array", "items": {"$ref": "#/$defs/checkpoint"}}},
        "required": [TOP_LEVEL_KEY],
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }
    return schema


def _checkpoint_schema(validator_configs: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": "checkpoint",
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "data_source": {
                "description": "a path, glob or URL, or a map with uri and its kind's options",
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {
                        "type": "object",
                        "properties": {
                            "uri": {"type": "string", "minLength": 1},
                            "format": {"type": "string"},
                            "table": {"type": "string"},
                            "query": {"type": "string"},
                            "storage_options": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                            "options": {"type": "object"},
                            "pushdown": {"type": "boolean"},
                        },
                        "required": ["uri"],
                        "additionalProperties": False,
                    },
                ],
            },
            "validators": {
                "type": "array",
                "items": {"$ref": "#/$defs/validator"},
                "minItems": 1,
            },
            "validator_config": {
                "type": "object",
                "description": "config of validators listed by bare name",
                "properties": validator_configs,
                "additionalProperties": False,
            },
            "actions": {"type": "array", "items": {"$ref": "#/$defs/action"}},
            "triggers": {"type": "array", "items": {"$ref": "#/$defs/trigger"}},
            "strategy": {"$ref": "#/$defs/strategy", "default": DEFAULT_STRATEGY},
            "min_severity": {
                "enum": [severity.value for severity in Severity],
                "default": Severity.LOW.value,
            },
            "fail_on_critical": {"type": "boolean", "default": True},
            "fail_on_high": {"type": "boolean", "default": False},
            "timeout_s": {
                "anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}],
                "default": DEFAULT_TIMEOUT_S,
            },
            "overlap": {
                "enum": [policy.value for policy in OverlapPolicy],
                "default": OverlapPolicy.SKIP.value,
            },
            "catch_up": {
                "enum": [policy.value for policy in CatchUpPolicy],
                "default": CatchUpPolicy.LATEST.value,
            },
            "catch_up_limit": {"type": "integer", "minimum": 1, "default": DEFAULT_CATCH_UP_LIMIT},
            "tags": {
                "description": "tag names to values; a list of names means empty values",
                "anyOf": [
                    {"type": "object", "additionalProperties": {"type": "string"}},
                    {"type": "array", "items": {"type": "string"}},
                ],
            },
            "metadata": {
                "type": "object",
                "not": {"anyOf": [{"required": ["tags"]}, {"required": ["context"]}]},
            },
        },
        "required": ["name", "data_source", "validators"],
        "additionalProperties": False,
    }


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(definition_schema(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
