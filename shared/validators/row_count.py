"""`row_count`: the number of rows lies within ``min``..``max`` (inclusive)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import polars as pl
from pydantic import Field, model_validator

from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.bounds import relative_excess


class RowCountConfig(ValidatorConfig):
    """Bounds of the row count; with neither (a bare ``row_count``) the data must not be
    empty."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check_bounds(self) -> Self:
        if self.min is None and self.max is None:
            self.__dict__["min"] = 1  # not through validate_assignment: it would recurse
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class RowCountValidator(Validator[RowCountConfig]):
    """Too few or too many rows. The row count is computed by every run anyway."""

    name = "row_count"
    config_model = RowCountConfig

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        return {}

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        config = self.config
        evaluation = Evaluation(figures={"rows": row_count, "min": config.min, "max": config.max})
        if config.min is not None and row_count < config.min:
            bound, issue_type, word = config.min, "too_few_rows", "at least"
        elif config.max is not None and row_count > config.max:
            bound, issue_type, word = config.max, "too_many_rows", "at most"
        else:
            return evaluation
        issue = self.make_issue(
            column=None,
            issue_type=issue_type,
            count=abs(row_count - bound),
            ratio=relative_excess(row_count, bound),
            message=f"the data has {row_count:,} rows, expected {word} {bound:,}",
        )
        if issue is not None:
            evaluation.issues.append(issue)
        return evaluation
