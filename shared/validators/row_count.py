"""`row_count`: the number of rows lies within ``min``..``max`` (inclusive); without either,
within what the last ``baseline_runs`` runs had (`shared.validators.baselines`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import polars as pl
from pydantic import Field, JsonValue, model_validator

from shared.validators.base import Evaluation, Validator, ValidatorConfig, first_baseline
from shared.validators.baselines import judge_volume
from shared.validators.bounds import relative_excess


class RowCountConfig(ValidatorConfig):
    """Bounds of the row count; with neither (a bare ``row_count``) the data must not be
    empty."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    #: Without min and max: how many earlier runs the count is compared with.
    baseline_runs: int = Field(default=10, ge=1, le=100)
    #: Without min and max: standard deviations from those runs' mean that are tolerated.
    max_stdevs: float = Field(default=3.0, gt=0)
    #: Without min and max: a tolerated change as a fraction of the mean (0.5 = 50 %),
    #: instead of standard deviations.
    max_change: float | None = Field(default=None, gt=0)

    @property
    def learned(self) -> bool:
        return self.min is None and self.max is None

    @model_validator(mode="after")
    def _check_bounds(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class RowCountValidator(Validator[RowCountConfig]):
    """Too few or too many rows. The row count is computed by every run anyway."""

    name = "row_count"
    config_model = RowCountConfig

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        return {}

    def history_runs(self) -> int:
        return self.config.baseline_runs if self.config.learned else 0

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        config = self.config
        if config.learned:
            return self._against_history(row_count)
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

    def _against_history(self, row_count: int) -> Evaluation:
        config = self.config
        if row_count < 1:  # whatever the history, empty data is too few rows
            evaluation = Evaluation(figures={"rows": row_count})
            issue = self.make_issue(
                column=None,
                issue_type="too_few_rows",
                count=1,
                ratio=1.0,
                message="the data has 0 rows, expected at least 1",
            )
            if issue is not None:
                evaluation.issues.append(issue)
            return evaluation
        past = [run.row_count for run in self.past_runs().completed()][: config.baseline_runs]
        if not past:
            return Evaluation(figures={"rows": row_count, "baseline": first_baseline(self)})
        verdict = judge_volume(
            row_count, past, max_stdevs=config.max_stdevs, max_change=config.max_change
        )
        figures: dict[str, JsonValue] = {
            "rows": row_count,
            "baseline_mean": verdict.mean,
            "baseline_stdev": verdict.stdev,
            "baseline_runs": verdict.runs,
        }
        if verdict.note:
            figures["baseline"] = verdict.note
        evaluation = Evaluation(figures=figures)
        if verdict.problem is not None:
            issue = self.make_issue(
                column=None,
                issue_type=verdict.issue_type,
                count=abs(row_count - round(verdict.mean)),
                ratio=verdict.excess,
                message=verdict.problem,
            )
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation
