"""A plugin module as a user would write one: imported by workers through CHECKFLEET_PLUGINS,
it registers a custom validator. Nothing else imports it, so a test can tell that the worker
did."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from shared.validators.base import Evaluation, Validator, ValidatorConfig


class EvenRowsConfig(ValidatorConfig):
    pass


class EvenRowsValidator(Validator[EvenRowsConfig]):
    """The data has an even number of rows."""

    name = "test_even_rows"
    config_model = EvenRowsConfig

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        return {}

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = Evaluation(figures={"rows": row_count})
        if row_count % 2:
            issue = self.make_issue(
                column=None,
                issue_type="odd_rows",
                count=1,
                ratio=1.0,
                message=f"the data has an odd number of rows ({row_count})",
            )
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation
