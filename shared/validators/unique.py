"""`unique`: no duplicated values per column, or no duplicated combination over a column set.

The column (or the combination, as a struct) is gathered whole and counted by sorting
(`shared.validators.duplicates`): about twice the column's size in memory, against 65-80
bytes per row for polars' hash-based ``is_duplicated`` in the streaming engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import polars as pl
from pydantic import Field

from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.duplicates import duplicate_figures
from shared.validators.parts import AllValues
from shared.validators.rowcheck import counted, percent
from shared.validators.severity import ratio_of


class UniqueConfig(ValidatorConfig):
    #: The columns to check; None (a bare ``unique``) means every column.
    columns: list[str] | None = Field(default=None, min_length=1)
    #: Check the combination of `columns` (a composite key) instead of each column alone.
    combined: bool = False


class UniqueValidator(Validator[UniqueConfig]):
    """Rows whose value (or combination of values) appears more than once. Nulls are ignored
    for single columns; a composite key treats null as a value."""

    plan_shareable: ClassVar[bool] = True

    name = "unique"
    config_model = UniqueConfig
    #: Its `AllValues` parts may arrive as `DuplicateFigures` (a database counted them).
    accepts_duplicate_figures: ClassVar[bool] = True

    _labels: list[str]
    _issue_type = "duplicate_values"

    def plan(self, schema: pl.Schema) -> dict[str, AllValues]:
        wanted = self.config.columns
        columns = schema.names() if wanted is None else self.require_columns(schema, wanted)
        if self.config.combined:
            self._labels = [", ".join(columns)]
            targets = [pl.struct(columns)]
        else:
            self._labels = columns
            targets = [pl.col(column).drop_nulls() for column in columns]
        return {f"values/{index}": AllValues(value) for index, value in enumerate(targets)}

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = Evaluation()
        for index, label in enumerate(self._labels):
            found = duplicate_figures(values[f"values/{index}"], self.config.sample_size)
            count, checked, sample = found.duplicated, found.checked, found.sample
            ratio = ratio_of(count, checked)
            evaluation.figures[label] = {"duplicated": count, "checked": checked, "ratio": ratio}
            combined = self.config.combined or isinstance(self, DuplicateRowsValidator)
            what = f"columns ({label})" if combined else f"column {label!r}"
            issue = self.make_issue(
                column=label,
                issue_type=self._issue_type,
                count=count,
                ratio=ratio,
                message=(
                    f"{what} has {counted(count, 'row')} with duplicated values ({percent(ratio)})"
                ),
                sample=sample,
            )
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation


class DuplicateConfig(UniqueConfig):
    """`columns`: those whose combination makes a row; None (a bare ``duplicate``) means all.
    The combination is always what is checked."""


class DuplicateRowsValidator(UniqueValidator):
    """Rows that repeat another row (over `columns`, all by default); null equals null."""

    name = "duplicate"
    config_model = DuplicateConfig

    def plan(self, schema: pl.Schema) -> dict[str, AllValues]:
        wanted = self.config.columns
        columns = schema.names() if wanted is None else self.require_columns(schema, wanted)
        self._labels = [", ".join(columns)]
        self._issue_type = "duplicate_rows"
        return {"values/0": AllValues(pl.struct(columns))}
