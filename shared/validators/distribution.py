"""`distribution`: a column's category shares or histogram against a reference.

The reference is given in config (``categories: {value: share}``, or ``bins`` (inner edges,
ascending) with ``shares``, one more than edges) or computed from a ``reference`` data file
read with the registered readers: category shares for text and booleans, ``bin_count``
quantile bins for numbers. The divergence (``psi`` or ``js``) is compared with ``threshold``.
Values of categories missing from the reference fall into an ``other`` bucket.

Without a reference (a bare ``distribution``, or only ``column``) each column (or the named
one) is compared with its distribution at the checkpoint's previous run, taken from the run
history (`shared.validators.history`); while no history is kept, the figures say so and no
issue is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

import polars as pl
from pydantic import Field, JsonValue, model_validator

from shared.models import ValidationIssue
from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.bounds import relative_excess
from shared.validators.divergence import DEFAULT_THRESHOLDS, METRICS
from shared.validators.history import DistributionHistory
from shared.validators.reference import Reference, read_reference

OTHER = "other"


#: The figure of a column that has no reference to compare with.
NO_REFERENCE = (
    "no reference distribution: give categories, bins with shares or reference, or keep run"
    " history to compare with the previous run (not kept yet)"
)


class DistributionConfig(ValidatorConfig):
    #: The column to compare; None (only without a reference) compares every column.
    column: str | None = None
    categories: dict[str, float] | None = None
    bins: list[float] | None = None
    shares: list[float] | None = None
    #: A data file holding the reference distribution (same column name).
    reference: str | None = None
    #: Quantile bins for a numeric column taken from a reference file.
    bin_count: int = Field(default=10, ge=2, le=100)
    metric: Literal["psi", "js"] = "psi"
    #: Largest tolerated divergence; defaults to 0.2 for psi and 0.1 for js.
    threshold: float | None = Field(default=None, ge=0.0)

    @model_validator(mode="after")
    def _one_reference(self) -> Self:
        given = [
            name
            for name, value in (
                ("categories", self.categories),
                ("bins", self.bins),
                ("reference", self.reference),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ValueError(
                "give at most one reference: categories, bins with shares, or reference"
            )
        if given and self.column is None:
            raise ValueError(f"column: name the column that {given[0]} describes")
        if self.categories is not None:
            _check_shares(list(self.categories.values()))
        if self.bins is not None:
            if self.shares is None or len(self.shares) != len(self.bins) + 1:
                raise ValueError("bins need shares, one more than the bins' inner edges")
            if any(b >= a for a, b in zip(self.bins[1:], self.bins, strict=False)):
                raise ValueError("bins must be strictly ascending")
            _check_shares(self.shares)
        elif self.shares is not None:
            raise ValueError("shares are only used with bins")
        return self

    @property
    def limit(self) -> float:
        return self.threshold if self.threshold is not None else DEFAULT_THRESHOLDS[self.metric]

    @property
    def has_reference(self) -> bool:
        return self.categories is not None or self.bins is not None or self.reference is not None


def _check_shares(shares: list[float]) -> None:
    if any(share < 0 for share in shares) or sum(shares) <= 0:
        raise ValueError("shares must be non-negative and not all zero")


def _normalised(shares: list[float]) -> list[float]:
    total = sum(shares)
    return [share / total for share in shares] if total > 0 else shares


class DistributionValidator(Validator[DistributionConfig]):
    """An issue when the divergence from the reference exceeds the threshold."""

    name = "distribution"
    config_model = DistributionConfig

    #: Per compared column, its reference (None: nothing to compare with).
    _references: dict[str, Reference | None]
    _history: DistributionHistory | None = None
    _checkpoint: str = ""

    def use_history(self, history: DistributionHistory | None, checkpoint: str) -> None:
        self._history, self._checkpoint = history, checkpoint

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        config = self.config
        if config.column is not None:
            columns = self.require_columns(schema, [config.column], field_name="column")
        else:
            columns = schema.names()
        self._references = {column: self._reference_of(column) for column in columns}
        exprs: dict[str, pl.Expr] = {}
        for index, (column, reference) in enumerate(self._references.items()):
            if reference is not None:
                for key, expr in reference.count_exprs(column, schema[column]).items():
                    exprs[f"{index}/{key}"] = expr
        return exprs

    def _reference_of(self, column: str) -> Reference | None:
        config = self.config
        if config.reference is not None:
            return read_reference(config.reference, column, config.bin_count)
        if config.categories is not None:
            return Reference(list(config.categories), list(config.categories.values()), None)
        if config.bins is not None:
            assert config.shares is not None
            return Reference([], list(config.shares), list(config.bins))
        if self._history is None:
            return None
        return self._history.previous_distribution(self._checkpoint, column)

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        evaluation = Evaluation()
        for index, (column, reference) in enumerate(self._references.items()):
            if reference is None:
                evaluation.figures[column] = {"reference": None, "note": NO_REFERENCE}
                continue
            prefix = f"{index}/"
            own = {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}
            figures, issue = self._judge(column, reference, own, row_count)
            # One column configured: its figures at the top level, as they always were.
            if self.config.column is not None:
                evaluation.figures = figures
            else:
                evaluation.figures[column] = figures
            if issue is not None:
                evaluation.issues.append(issue)
        return evaluation

    def _judge(
        self, column: str, reference: Reference, values: Mapping[str, Any], row_count: int
    ) -> tuple[dict[str, JsonValue], ValidationIssue | None]:
        config = self.config
        counts = [int(values[key] or 0) for key in reference.count_keys()]
        observed_total = int(values["total"] or 0)
        if reference.edges is None:  # categories: the rest falls into "other"
            counts.append(max(0, observed_total - sum(counts)))
            # Shares summing below 1 leave the rest to "other"; above 1 they are scaled down.
            given = (
                reference.shares if sum(reference.shares) <= 1 else _normalised(reference.shares)
            )
            expected = [*given, max(0.0, 1.0 - sum(given))]
            labels: list[JsonValue] = [*reference.labels, OTHER]
        else:
            expected = _normalised(reference.shares)
            labels = list(reference.bucket_labels())
        observed = [count / observed_total for count in counts] if observed_total else counts
        divergence = METRICS[config.metric](observed, expected) if observed_total else None
        figures: dict[str, JsonValue] = {
            "metric": config.metric,
            "divergence": divergence,
            "threshold": config.limit,
            "buckets": labels,
            "observed": [float(share) for share in observed],
            "expected": list[JsonValue](expected),
        }
        if divergence is None:
            issue = self.make_issue(
                column=column,
                issue_type="no_values",
                count=row_count,
                ratio=1.0,
                message=f"column {column!r} has no value to compare with the reference",
            )
        elif divergence > config.limit:
            issue = self.make_issue(
                column=column,
                issue_type="distribution_drift",
                count=observed_total,
                ratio=relative_excess(divergence, config.limit),
                message=(
                    f"column {column!r} drifted from its reference:"
                    f" {config.metric} {divergence:.4f} > {config.limit:g}"
                ),
            )
        else:
            issue = None
        return figures, issue
