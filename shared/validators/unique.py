"""`unique`: no duplicated values per column, or no duplicated combination over a column set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from pydantic import Field

from shared.validators.base import Evaluation, Validator, ValidatorConfig, register_validator
from shared.validators.rowcheck import percent
from shared.validators.severity import ratio_of


class UniqueConfig(ValidatorConfig):
    columns: list[str] = Field(min_length=1)
    #: Check the combination of `columns` (a composite key) instead of each column alone.
    combined: bool = False


@register_validator
class UniqueValidator(Validator[UniqueConfig]):
    """Rows whose value (or combination of values) appears more than once. Nulls are ignored
    for single columns; a composite key treats null as a value."""

    name = "unique"
    config_model = UniqueConfig

    _targets: list[tuple[str, pl.Expr]]

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        columns = self.require_columns(schema, self.config.columns)
        if self.config.combined:
            self._targets = [(", ".join(columns), pl.struct(columns))]
        else:
            self._targets = [(column, pl.col(column)) for column in columns]
        exprs: dict[str, pl.Expr] = {}
        for index, (_, value) in enumerate(self._targets):
            mask = value.is_duplicated() & value.is_not_null()
            exprs[f"duplicated/{index}"] = mask.sum()
            exprs[f"checked/{index}"] = value.is_not_null().sum()
            if self.config.sample_size > 0:
                # The first few duplicated values, each once, in order of appearance.
                exprs[f"sample/{index}"] = (
                    value.filter(mask)
                    .unique(maintain_order=True)
                    .head(self.config.sample_size)
                    .implode()
                )
        return exprs

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = Evaluation()
        for index, (label, _) in enumerate(self._targets):
            count = int(values[f"duplicated/{index}"] or 0)
            checked = int(values[f"checked/{index}"] or 0)
            ratio = ratio_of(count, checked)
            evaluation.figures[label] = {"duplicated": count, "checked": checked, "ratio": ratio}
            what = f"columns ({label})" if self.config.combined else f"column {label!r}"
            issue = self.make_issue(
                column=label,
                issue_type="duplicate_values",
                count=count,
                ratio=ratio,
                message=f"{what} has {count:,} rows with duplicated values ({percent(ratio)})",
                sample=values.get(f"sample/{index}"),
            )
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation
