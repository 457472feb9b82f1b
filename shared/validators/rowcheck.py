"""`RowCheck`: the shape shared by validators that judge each row of some columns.

Per column it computes, in the run's one query, how many rows fail, how many were checked, and
a few failing values. The failing ratio is failing / checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import polars as pl
from pydantic import Field

from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.parts import FirstRows, QueryPart
from shared.validators.severity import ratio_of


class ColumnsConfig(ValidatorConfig):
    """A validator over named columns (at least one)."""

    columns: list[str] = Field(min_length=1)


RowConfigT = TypeVar("RowConfigT", bound=ValidatorConfig)


class RowCheck(Validator[RowConfigT]):
    """A validator that flags rows: subclasses define `failing` and `describe`."""

    plan_shareable: ClassVar[bool] = True

    #: The ``issue_type`` of this validator's issues.
    issue_type: ClassVar[str] = ""
    #: Whether failing values are worth sampling (not for nulls).
    collects_samples: ClassVar[bool] = True

    _columns: list[str]

    def target_columns(self, schema: pl.Schema) -> list[str]:
        """The columns to check; by default ``config.columns``, which must exist."""
        columns: list[str] = getattr(self.config, "columns", None) or []
        return self.require_columns(schema, columns)

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        """True on failing rows of `column` (null counts as passing unless said otherwise)."""
        raise NotImplementedError

    def checked(self, column: str) -> pl.Expr:
        """How many rows were judged: by default the non-null ones."""
        return pl.col(column).count()

    def describe(self, column: str, count: int, ratio: float) -> str:
        """The issue's message for people."""
        raise NotImplementedError

    def plan(self, schema: pl.Schema) -> dict[str, QueryPart]:
        self._columns = self.target_columns(schema)
        exprs: dict[str, QueryPart] = {}
        for index, column in enumerate(self._columns):
            mask = self.failing(column, schema[column]).fill_null(False)
            exprs[f"failing/{index}"] = mask.sum()
            exprs[f"checked/{index}"] = self.checked(column)
            if self.collects_samples and self.config.sample_size > 0:
                exprs[f"sample/{index}"] = FirstRows(
                    pl.col(column), mask, self.config.sample_size, when=f"failing/{index}"
                )
        return exprs

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = Evaluation()
        for index, column in enumerate(self._columns):
            count = int(values[f"failing/{index}"] or 0)
            checked = int(values[f"checked/{index}"] or 0)
            ratio = ratio_of(count, checked)
            evaluation.figures[column] = {"failing": count, "checked": checked, "ratio": ratio}
            issue = self.make_issue(
                column=column,
                issue_type=self.issue_type,
                count=count,
                ratio=ratio,
                message=self.describe(column, count, ratio),
                sample=values.get(f"sample/{index}"),
            )
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 value``, ``2 values``, ``1,204 null values``: a count with its noun agreeing."""
    word = noun if count == 1 else (plural or noun + "s")
    return f"{count:,} {word}"


def percent(ratio: float) -> str:
    """``0.0123`` -> ``"1.23%"``."""
    return f"{ratio:.2%}"
