"""`distribution`: a column's category shares or histogram against a reference.

The reference is given in config (``categories: {value: share}``, or ``bins`` (inner edges,
ascending) with ``shares``, one more than edges) or computed from a ``reference`` data file
read with the registered readers: category shares for text and booleans, ``bin_count``
quantile bins for numbers. The divergence (``psi`` or ``js``) is compared with ``threshold``.
Values of categories missing from the reference fall into an ``other`` bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

import polars as pl
from pydantic import Field, JsonValue, model_validator

from shared.validators.base import Evaluation, Validator, ValidatorConfig, register_validator
from shared.validators.bounds import relative_excess
from shared.validators.divergence import DEFAULT_THRESHOLDS, METRICS
from shared.validators.reference import Reference, read_reference

OTHER = "other"


class DistributionConfig(ValidatorConfig):
    column: str
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
        if len(given) != 1:
            raise ValueError(
                "give exactly one reference: categories, bins with shares, or reference"
            )
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


def _check_shares(shares: list[float]) -> None:
    if any(share < 0 for share in shares) or sum(shares) <= 0:
        raise ValueError("shares must be non-negative and not all zero")


def _normalised(shares: list[float]) -> list[float]:
    total = sum(shares)
    return [share / total for share in shares] if total > 0 else shares


@register_validator
class DistributionValidator(Validator[DistributionConfig]):
    """An issue when the divergence from the reference exceeds the threshold."""

    name = "distribution"
    config_model = DistributionConfig

    _reference: Reference

    def plan(self, schema: pl.Schema) -> dict[str, pl.Expr]:
        config = self.config
        column = self.require_columns(schema, [config.column], field_name="column")[0]
        dtype = schema[column]
        if config.reference is not None:
            self._reference = read_reference(config.reference, column, config.bin_count)
        elif config.categories is not None:
            labels = list(config.categories)
            self._reference = Reference(labels, list(config.categories.values()), None)
        else:
            assert config.bins is not None and config.shares is not None
            self._reference = Reference([], list(config.shares), list(config.bins))
        return self._reference.count_exprs(column, dtype)

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        config = self.config
        reference = self._reference
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
        evaluation = Evaluation(
            figures={
                "metric": config.metric,
                "divergence": divergence,
                "threshold": config.limit,
                "buckets": labels,
                "observed": [float(share) for share in observed],
                "expected": list[JsonValue](expected),
            }
        )
        if divergence is None:
            issue = self.make_issue(
                column=config.column,
                issue_type="no_values",
                count=row_count,
                ratio=1.0,
                message=f"column {config.column!r} has no value to compare with the reference",
            )
        elif divergence > config.limit:
            issue = self.make_issue(
                column=config.column,
                issue_type="distribution_drift",
                count=observed_total,
                ratio=relative_excess(divergence, config.limit),
                message=(
                    f"column {config.column!r} drifted from its reference:"
                    f" {config.metric} {divergence:.4f} > {config.limit:g}"
                ),
            )
        else:
            issue = None
        if issue is not None:
            evaluation.issues.append(issue)
        return evaluation
