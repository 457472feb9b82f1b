"""Null checks: `null` (report nulls), `not_null` (named columns hold none) and `completeness`
(a minimum non-null ratio)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import polars as pl
from pydantic import Field

from shared.validators.base import Evaluation, ValidatorConfig, first_baseline
from shared.validators.rowcheck import RowCheck, counted, percent

#: How many earlier runs are searched for the last good one.
BASELINE_SEARCH_RUNS = 10


class NullConfig(ValidatorConfig):
    #: Columns to check; None checks every column.
    columns: list[str] | None = None
    #: Report a column only when its null ratio is above this; None reports any null.
    max_ratio: float | None = Field(default=None, ge=0.0, le=1.0)
    #: Compare each column's null ratio with the last good run's instead (a learned
    #: baseline): report a rise of more than `max_increase` (absolute, 0.05 = 5 points).
    baseline: bool = False
    max_increase: float = Field(default=0.05, ge=0.0, le=1.0)


class NotNullConfig(ValidatorConfig):
    #: Columns that must hold no null; None (a bare ``not_null``) means every column.
    columns: list[str] | None = Field(default=None, min_length=1)


class CompletenessConfig(ValidatorConfig):
    #: Columns to check; None checks every column.
    columns: list[str] | None = None
    #: The smallest tolerated fraction of non-null values.
    min_ratio: float = Field(default=1.0, ge=0.0, le=1.0)


class _NullCount(RowCheck[Any]):
    issue_type: ClassVar[str] = "null_values"
    collects_samples: ClassVar[bool] = False  # every failing value is null

    def target_columns(self, schema: pl.Schema) -> list[str]:
        columns: list[str] | None = self.config.columns
        return schema.names() if columns is None else self.require_columns(schema, columns)

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(column).is_null()

    def checked(self, column: str) -> pl.Expr:
        return pl.len()

    def describe(self, column: str, count: int, ratio: float) -> str:
        return f"column {column!r} has {counted(count, 'null value')} ({percent(ratio)} of rows)"


class NullValidator(_NullCount):
    """An issue for every column holding nulls, or only above ``max_ratio``."""

    name = "null"
    config_model = NullConfig

    def history_runs(self) -> int:
        return BASELINE_SEARCH_RUNS if self.config.baseline else 0

    def shares_plan(self) -> bool:
        return not self.config.baseline  # a baseline compares with the run's own history

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = super().evaluate(values, row_count)
        if self.config.baseline:
            return self._against_last_good_run(evaluation)
        limit: float | None = self.config.max_ratio
        if limit is not None:
            evaluation.issues = [issue for issue in evaluation.issues if issue.ratio > limit]
        return evaluation

    def _against_last_good_run(self, evaluation: Evaluation) -> Evaluation:
        """Issues only for columns whose null ratio rose more than ``max_increase`` since the
        last good run (a column new since then is compared with no nulls)."""
        last = self.past_runs().last_good_run()
        if last is None:
            evaluation.issues = []
            evaluation.figures["baseline"] = first_baseline(self)
            return evaluation
        before: dict[str, float] = {}
        for figures in self.past_runs().figures_of(last, self.name):
            for column, figure in figures.items():
                if isinstance(figure, dict) and isinstance(figure.get("ratio"), int | float):
                    before.setdefault(column, float(figure["ratio"]))  # type: ignore[arg-type]
        kept = []
        for issue in evaluation.issues:
            previous = before.get(issue.column or "", 0.0)
            if issue.ratio - previous > self.config.max_increase:
                issue.issue_type = "null_ratio_increase"
                issue.message = (
                    f"column {issue.column!r} has {percent(issue.ratio)} nulls, up from"
                    f" {percent(previous)} at run {last.run_id}"
                )
                kept.append(issue)
        evaluation.issues = kept
        evaluation.figures["baseline_run"] = last.run_id
        return evaluation


class NotNullValidator(_NullCount):
    """The named columns (every column by default) hold no null (or at most ``1 - mostly``)."""

    name = "not_null"
    config_model = NotNullConfig


class CompletenessValidator(_NullCount):
    """Each column's non-null ratio is at least ``min_ratio``."""

    name = "completeness"
    config_model = CompletenessConfig
    issue_type = "incomplete"

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = super().evaluate(values, row_count)
        floor: float = self.config.min_ratio
        evaluation.issues = [issue for issue in evaluation.issues if 1.0 - issue.ratio < floor]
        return evaluation

    def describe(self, column: str, count: int, ratio: float) -> str:
        return (
            f"column {column!r} is {percent(1.0 - ratio)} complete,"
            f" below the required {percent(self.config.min_ratio)} ({count:,} nulls)"
        )
