"""Validators, registered by name in `VALIDATORS`; importing this registers the built-in ones.

Built in: ``null``, ``not_null``, ``completeness``, ``range`` (alias ``between``), ``unique``,
``regex``, ``in_set``, ``schema``, ``row_count``, ``freshness``, ``distribution``.
"""

from __future__ import annotations

from shared.validators.base import (
    DEFAULT_SAMPLE_SIZE,
    VALIDATORS,
    Evaluation,
    Validator,
    ValidatorConfig,
)
from shared.validators.distribution import DistributionValidator
from shared.validators.freshness import FreshnessValidator
from shared.validators.in_set import InSetValidator
from shared.validators.nulls import CompletenessValidator, NotNullValidator, NullValidator
from shared.validators.parts import AllValues, FirstRows, QueryPart
from shared.validators.range import BetweenValidator, RangeValidator
from shared.validators.regex import RegexValidator
from shared.validators.row_count import RowCountValidator
from shared.validators.rowcheck import RowCheck
from shared.validators.schema import SchemaValidator
from shared.validators.severity import SEVERITY_BY_RATIO, severity_for_ratio
from shared.validators.unique import UniqueValidator

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "SEVERITY_BY_RATIO",
    "VALIDATORS",
    "AllValues",
    "BetweenValidator",
    "CompletenessValidator",
    "DistributionValidator",
    "Evaluation",
    "FirstRows",
    "FreshnessValidator",
    "InSetValidator",
    "NotNullValidator",
    "NullValidator",
    "QueryPart",
    "RangeValidator",
    "RegexValidator",
    "RowCheck",
    "RowCountValidator",
    "SchemaValidator",
    "UniqueValidator",
    "Validator",
    "ValidatorConfig",
    "severity_for_ratio",
]
