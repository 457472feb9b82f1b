"""Validators, registered by name in `VALIDATORS`; importing this registers the built-in ones.

Built in: ``null``, ``not_null``, ``completeness``, ``range`` (alias ``between``), ``unique``,
``duplicate``, ``regex``, ``format``, ``type``, ``outlier``, ``in_set``, ``not_in_set``,
``schema``, ``row_count``, ``freshness``, ``distribution``, ``expression``, ``aggregate``,
``string_length``, ``not_constant``, ``relationships``; each takes ``where``.
"""

from __future__ import annotations

from shared.validators.aggregate import AggregateValidator
from shared.validators.base import (
    DEFAULT_SAMPLE_SIZE,
    VALIDATORS,
    Evaluation,
    Validator,
    ValidatorConfig,
)
from shared.validators.distribution import DistributionValidator
from shared.validators.expression import ExpressionValidator
from shared.validators.formats import FormatValidator
from shared.validators.freshness import FreshnessValidator
from shared.validators.in_set import InSetValidator, NotInSetValidator
from shared.validators.mixed_types import MixedTypeValidator
from shared.validators.nulls import CompletenessValidator, NotNullValidator, NullValidator
from shared.validators.outliers import OutlierValidator
from shared.validators.parts import AllValues, FirstRows, QueryPart, Subquery
from shared.validators.range import BetweenValidator, RangeValidator
from shared.validators.regex import RegexValidator
from shared.validators.relationships import RelationshipsValidator
from shared.validators.row_count import RowCountValidator
from shared.validators.rowcheck import RowCheck
from shared.validators.schema import SchemaValidator
from shared.validators.severity import (
    DEFAULT_THRESHOLDS,
    RANGE_THRESHOLDS,
    SeverityThresholds,
    severity_for_ratio,
)
from shared.validators.strings import NotConstantValidator, StringLengthValidator
from shared.validators.unique import DuplicateRowsValidator, UniqueValidator

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "DEFAULT_THRESHOLDS",
    "RANGE_THRESHOLDS",
    "VALIDATORS",
    "AggregateValidator",
    "AllValues",
    "BetweenValidator",
    "CompletenessValidator",
    "DistributionValidator",
    "DuplicateRowsValidator",
    "Evaluation",
    "ExpressionValidator",
    "FirstRows",
    "FormatValidator",
    "FreshnessValidator",
    "InSetValidator",
    "MixedTypeValidator",
    "NotConstantValidator",
    "NotInSetValidator",
    "NotNullValidator",
    "NullValidator",
    "OutlierValidator",
    "QueryPart",
    "RangeValidator",
    "RegexValidator",
    "RelationshipsValidator",
    "RowCheck",
    "RowCountValidator",
    "SchemaValidator",
    "SeverityThresholds",
    "StringLengthValidator",
    "Subquery",
    "UniqueValidator",
    "Validator",
    "ValidatorConfig",
    "severity_for_ratio",
]
