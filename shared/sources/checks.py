"""`source_problems`: what `Checkpoint.validate()` says about a ``data_source`` (reads nothing)."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from shared.errors import SpecError
from shared.problems import ConfigProblem, problems_from_validation_error
from shared.sources.base import source_key
from shared.sources.spec import SourceSpec, is_frame, parse_source_spec

_PLACEHOLDER = "${"


def source_problems(value: object) -> list[ConfigProblem]:
    """Every problem of `value` as a data source, under ``data_source``: a bad shape or an
    unknown field, no reader for its scheme, format or suffix. A URI that is still a
    ``${...}`` template is judged when the run resolves it."""
    if is_frame(value):
        return []
    if isinstance(value, Mapping):
        try:
            SourceSpec.model_validate(dict(value))
        except ValidationError as exc:
            return problems_from_validation_error(exc, prefix="data_source")
    try:
        spec = parse_source_spec(value)
        if spec.format is not None or _PLACEHOLDER not in spec.uri:
            source_key(spec.uri, spec.format)
    except SpecError as exc:
        return [ConfigProblem.from_spec_error(exc, prefix="data_source")]
    return []
