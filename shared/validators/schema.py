"""`schema`: expected columns with expected types; extra columns allowed or not.

Decided from the scan's schema alone, so it adds nothing to the query. Type names are polars'
(``Int64``, ``Float64``, ``String``, ``Datetime``, ``Boolean``...), case-insensitive, matched on
the base type (``Datetime`` matches any time unit or zone); ``null`` or ``"any"`` accepts any type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from pydantic import Field, JsonValue, field_validator

from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.severity import ratio_of

_ANY = "any"
_ALIASES = {"utf8": "string", "str": "string", "bool": "boolean"}


def _dtype_names() -> dict[str, str]:
    """Lower-case polars data type names to their proper spelling."""
    names = {}
    for attribute in dir(pl.datatypes):
        value = getattr(pl.datatypes, attribute)
        if isinstance(value, type) and issubclass(value, pl.DataType) and value is not pl.DataType:
            names[attribute.lower()] = attribute
    return names


_KNOWN_DTYPES = _dtype_names()


def normalise_dtype_name(name: str) -> str:
    """Canonical lower-case name for a user's type name (``utf8`` -> ``string``)."""
    lowered = name.strip().lower()
    return _ALIASES.get(lowered, lowered)


def dtype_name(dtype: pl.DataType) -> str:
    """The base type name of `dtype`, lower-case (``Datetime(us)`` -> ``datetime``)."""
    return normalise_dtype_name(dtype.base_type().__name__)


class SchemaConfig(ValidatorConfig):
    #: Expected column names to their type name (None or "any": any type).
    columns: dict[str, str | None] = Field(min_length=1)
    #: Whether columns not listed are allowed.
    allow_extra: bool = True

    @field_validator("columns")
    @classmethod
    def _known_types(cls, columns: dict[str, str | None]) -> dict[str, str | None]:
        for column, name in columns.items():
            if name is None or normalise_dtype_name(name) == _ANY:
                continue
            if normalise_dtype_name(name) not in _KNOWN_DTYPES:
                raise ValueError(f"column {column!r}: unknown polars type {name!r}")
        return columns


class SchemaValidator(Validator[SchemaConfig]):
    """Missing columns, columns of another type, and unexpected columns. The failing ratio is
    the share of expected columns that fail (an extra column counts as one more)."""

    name = "schema"
    config_model = SchemaConfig

    _actual: dict[str, str]

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        self._actual = {column: dtype_name(dtype) for column, dtype in schema.items()}
        return {}

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        expected = self.config.columns
        found: list[tuple[str, str, str]] = []  # (column, issue type, message)
        for column, wanted in expected.items():
            actual = self._actual.get(column)
            if actual is None:
                found.append((column, "missing_column", f"expected column {column!r} is missing"))
            elif wanted is not None and normalise_dtype_name(wanted) not in (_ANY, actual):
                found.append(
                    (
                        column,
                        "wrong_type",
                        f"column {column!r} has type {actual}, expected {wanted}",
                    )
                )
        if not self.config.allow_extra:
            for column in self._actual:
                if column not in expected:
                    found.append((column, "unexpected_column", f"unexpected column {column!r}"))
        ratio = ratio_of(len(found), len(expected))
        evaluation = Evaluation(
            figures={
                "expected": len(expected),
                "failing": len(found),
                "columns": dict[str, JsonValue](self._actual),
            }
        )
        for column, issue_type, message in found:
            issue = self.make_issue(
                column=column, issue_type=issue_type, count=1, ratio=ratio, message=message
            )
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation
