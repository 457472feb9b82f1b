"""`expression`: every row satisfies a polars SQL condition (dbt's ``expression_is_true``).

``{"type": "expression", "config": {"expression": "amount >= 0 AND qty > 0"}}``: a row fails
when the condition is not true (false or null). Samples are the failing rows' values of the
columns the condition uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from pydantic import field_validator

from shared.errors import SpecError
from shared.validators.base import Evaluation, Validator, ValidatorConfig, sql_condition
from shared.validators.parts import FirstRows, QueryPart
from shared.validators.rowcheck import counted, percent
from shared.validators.severity import ratio_of


class ExpressionConfig(ValidatorConfig):
    #: A polars SQL boolean expression over the columns.
    expression: str

    @field_validator("expression")
    @classmethod
    def _expression_parses(cls, expression: str) -> str:
        sql_condition(expression)
        return expression


class ExpressionValidator(Validator[ExpressionConfig]):
    """Rows where ``expression`` is not true."""

    name = "expression"
    config_model = ExpressionConfig

    def plan(self, schema: pl.Schema) -> dict[str, QueryPart]:
        condition = sql_condition(self.config.expression)
        used = condition.meta.root_names()
        unknown = [name for name in used if name not in schema]
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            raise SpecError(
                f"the expression uses unknown column{'s' if len(unknown) > 1 else ''} {names};"
                f" the data has: {', '.join(schema.names())}",
                path="config.expression",
            )
        failing = ~condition.fill_null(False)
        parts: dict[str, QueryPart] = {"failing": failing.sum()}
        if self.config.sample_size > 0:
            value = pl.struct(used) if used else pl.lit(None)
            parts["sample"] = FirstRows(value, failing, self.config.sample_size, "failing")
        return parts

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        count = int(values["failing"] or 0)
        ratio = ratio_of(count, row_count)
        evaluation = Evaluation(figures={"failing": count, "checked": row_count, "ratio": ratio})
        issue = self.make_issue(
            column=None,
            issue_type="expression_false",
            count=count,
            ratio=ratio,
            message=(
                f"{counted(count, 'row')} where {self.config.expression!r} is not true"
                f" ({percent(ratio)} of rows)"
            ),
            sample=values.get("sample"),
        )
        if issue is not None:
            evaluation.issues.append(issue)
        return evaluation
