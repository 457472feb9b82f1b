"""Checkpoint definition files: what ``CHECKFLEET_CHECKPOINTS`` points at.

Either a YAML (``.yaml``/``.yml``) or JSON (``.json``) file with a top-level ``checkpoints:``
list of checkpoint specs, or a Python module path (``pkg.checks`` or ``pkg.checks:attribute``)
whose ``checkpoints`` attribute (or the named one) is a list of `Checkpoint` objects or specs,
or a function returning one.

``${VAR}`` and ``${VAR:-default}`` in file strings expand from the environment. A relative
local ``data_source`` path in a file is relative to the file's own directory, wherever the
process that loads it runs. Every problem
(a missing variable, an unknown key, an unknown type, a bad value, a duplicated name) is
reported at once in one `SpecError` naming the file and the path to the field, e.g.
``checkpoints.yaml: checkpoints[1].validators[0].config.min: ...``.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from shared.checkpoint import Checkpoint
from shared.envvars import expand_env_tree
from shared.errors import SpecError, SpecProblemsError
from shared.problems import ConfigProblem, join_path, problems_of
from shared.sources import anchor_source

#: The attribute read from a module when the location names none.
DEFAULT_ATTRIBUTE = "checkpoints"
#: The one top-level key of a definition file.
TOP_LEVEL_KEY = "checkpoints"

_NULL_VALIDATOR = "null"
_FILE_SUFFIXES = {".yaml", ".yml", ".json"}
_MODULE_PATH = re.compile(r"^[A-Za-z_][\w.]*(:[A-Za-z_]\w*)?$")


def load_checkpoints(location: str, environ: Mapping[str, str] | None = None) -> list[Checkpoint]:
    """The checkpoints defined at `location` (a file path or a module path), all valid."""
    if Path(location).suffix.lower() in _FILE_SUFFIXES:
        document = _read_document(location)
        base_dir = Path(location).resolve().parent
        specs = [
            _anchor_data_source(_restore_null_names(spec), base_dir)
            for spec in _document_specs(location, document)
        ]
        return _build_all(location, specs, environ, expand=True)
    if _MODULE_PATH.match(location):
        return _build_all(location, _module_items(location), environ, expand=False)
    raise SpecError(
        f"{location}: not a .yaml, .yml or .json file nor a Python module path like pkg.checks"
    )


def _read_document(location: str) -> Any:
    path = Path(location)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{location}: file not found") from None
    except OSError as exc:
        raise SpecError(f"{location}: cannot read: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        detail = " ".join(str(exc).split())
        raise SpecError(f"{location}: invalid {kind}: {detail}") from None


def _document_specs(location: str, document: Any) -> list[Any]:
    if not isinstance(document, Mapping):
        raise SpecError(f"{location}: expected a map with a top-level {TOP_LEVEL_KEY!r} list")
    unknown = [str(key) for key in document if key != TOP_LEVEL_KEY]
    if unknown:
        raise SpecError(
            f"{unknown[0]}: unknown key; a definition file holds only {TOP_LEVEL_KEY!r}",
            path=location,
        )
    specs = document.get(TOP_LEVEL_KEY)
    if not isinstance(specs, list):
        raise SpecError(f"{TOP_LEVEL_KEY}: must be a list of checkpoint specs", path=location)
    return specs


def _restore_null_names(spec: Any) -> Any:
    """YAML reads a bare ``null`` as None, but in a validator position it can only mean the
    ``null`` validator: restore the name there (entries, ``type``, ``validator_config`` keys)."""
    if not isinstance(spec, dict):
        return spec
    spec = dict(spec)
    validators = spec.get("validators")
    if isinstance(validators, list):
        spec["validators"] = [
            _NULL_VALIDATOR
            if entry is None
            else {**entry, "type": _NULL_VALIDATOR}
            if isinstance(entry, dict) and "type" in entry and entry["type"] is None
            else entry
            for entry in validators
        ]
    config = spec.get("validator_config")
    if isinstance(config, dict) and None in config:
        spec["validator_config"] = {
            (_NULL_VALIDATOR if key is None else key): value for key, value in config.items()
        }
    return spec


def _anchor_data_source(spec: Any, base_dir: Path) -> Any:
    if isinstance(spec, dict) and "data_source" in spec:
        return {**spec, "data_source": anchor_source(spec["data_source"], base_dir)}
    return spec


def _module_items(location: str) -> list[Any]:
    module_name, _, attribute = location.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SpecError(f"{location}: cannot import module {module_name!r}: {exc}") from None
    name = attribute or DEFAULT_ATTRIBUTE
    if not hasattr(module, name):
        raise SpecError(f"{location}: module {module_name!r} has no attribute {name!r}")
    items = getattr(module, name)
    if callable(items):
        factory: Callable[[], Any] = items
        items = factory()
    if not isinstance(items, (list, tuple)):
        raise SpecError(f"{location}: {name} must be a list of checkpoints or specs")
    return list(items)


def _build_all(
    location: str, items: list[Any], environ: Mapping[str, str] | None, *, expand: bool
) -> list[Checkpoint]:
    problems: list[ConfigProblem] = []
    checkpoints: list[Checkpoint] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path = f"{TOP_LEVEL_KEY}[{index}]"
        try:
            if isinstance(item, Checkpoint):
                checkpoint = item
            else:
                spec = expand_env_tree(item, environ, path=path) if expand else item
                checkpoint = Checkpoint.from_spec(spec, path=path)
        except SpecError as exc:
            problems.extend(problems_of(exc))  # already located under `path`
            name = item.get("name") if isinstance(item, Mapping) else None
            if isinstance(name, str) and name in seen:
                problems.append(
                    ConfigProblem(
                        f"{path}.name", f"duplicates the name of checkpoints[{seen[name]}]"
                    )
                )
            continue
        problems.extend(problems_of_checkpoint(checkpoint, path))
        name = checkpoint.name
        if isinstance(name, str) and name in seen:
            problems.append(
                ConfigProblem(f"{path}.name", f"duplicates the name of checkpoints[{seen[name]}]")
            )
        elif isinstance(name, str):
            seen[name] = index
        checkpoints.append(checkpoint)
    if problems:
        raise SpecProblemsError(
            [ConfigProblem(f"{location}: {p.path}", p.message) for p in problems]
        )
    return checkpoints


def problems_of_checkpoint(checkpoint: Checkpoint, path: str) -> list[ConfigProblem]:
    """`checkpoint.validate()`'s problems, located under `path`."""
    return [ConfigProblem(join_path(path, p.path), p.message) for p in checkpoint.validate()]
