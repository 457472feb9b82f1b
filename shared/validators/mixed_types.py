"""`type`: text columns holding a mix of numbers and other text, as the reference flags them.

A value "looks numeric" when, stripped of surrounding spaces, it parses as a number. A column
where some non-null values look numeric and others do not is mixed; the failing values are the
minority kind (the numbers among words, or the words among numbers), so a column of numbers
with one ``"n/a"`` flags that one value. By default every text column is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import polars as pl
from pydantic import Field

from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.parts import FirstRows, QueryPart
from shared.validators.rowcheck import counted, percent
from shared.validators.severity import ratio_of


class TypeConfig(ValidatorConfig):
    #: Text columns to check; None means every text column.
    columns: list[str] | None = Field(default=None, min_length=1)


class MixedTypeValidator(Validator[TypeConfig]):
    """An issue for each text column mixing numeric-looking values with other text."""

    plan_shareable: ClassVar[bool] = True

    name = "type"
    config_model = TypeConfig

    _columns: list[str]

    def plan(self, schema: pl.Schema) -> dict[str, QueryPart]:
        wanted = self.config.columns
        if wanted is None:
            self._columns = [name for name, dtype in schema.items() if dtype == pl.String]
        else:
            self._columns = self.require_columns(schema, wanted)
        parts: dict[str, QueryPart] = {}
        size = self.config.sample_size
        for index, column in enumerate(self._columns):
            text = pl.col(column) if schema[column] == pl.String else pl.col(column).cast(pl.String)
            numeric = text.str.strip_chars().cast(pl.Float64, strict=False).is_not_null()
            checked, numbers = text.count(), numeric.sum()
            parts[f"checked/{index}"] = checked
            parts[f"numeric/{index}"] = numbers
            mixed = (numbers > 0) & (numbers < checked)
            # Which kind is the minority decides which values are sampled.
            parts[f"few_numbers/{index}"] = mixed & (numbers * 2 <= checked)
            parts[f"few_words/{index}"] = mixed & (numbers * 2 > checked)
            if size > 0:
                words = text.is_not_null() & ~numeric
                parts[f"numbers/{index}"] = FirstRows(text, numeric, size, f"few_numbers/{index}")
                parts[f"words/{index}"] = FirstRows(text, words, size, f"few_words/{index}")
        return parts

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = Evaluation()
        for index, column in enumerate(self._columns):
            checked = int(values[f"checked/{index}"] or 0)
            numeric = int(values[f"numeric/{index}"] or 0)
            words = checked - numeric
            minority, kind = (numeric, "number") if numeric * 2 <= checked else (words, "text")
            if numeric == 0 or words == 0:
                minority = 0
            ratio = ratio_of(minority, checked)
            evaluation.figures[column] = {"numeric": numeric, "text": words, "checked": checked}
            sample = values.get(f"numbers/{index}" if kind == "number" else f"words/{index}")
            majority = "text" if kind == "number" else "numbers"
            issue = self.make_issue(
                column=column,
                issue_type="mixed_types",
                count=minority,
                ratio=ratio,
                message=(
                    f"column {column!r} mixes types: {counted(minority, 'value')} of {kind}"
                    f" among {majority} ({percent(ratio)} of non-null values)"
                ),
                sample=sample,
            )
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation
