"""The base of every validator, their registry, and the config fields they all share.

A validator contributes polars expressions to the ONE query of a checkpoint run (`plan`), then
turns the values those expressions computed into issues and figures (`evaluate`). It never
reads data itself, so any number of validators costs one scan.

A validator is built fresh for each run from its spec, so `plan` may keep what `evaluate` needs
on ``self``. To add one: subclass `Validator`, set `name` (which registers the class in
`VALIDATORS`, as ``action_type`` does for actions) and `config_model`, and implement `plan`
and `evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from shared.errors import SpecError
from shared.models import MAX_SAMPLE_SIZE, Severity, ValidationIssue
from shared.problems import problems_from_validation_error, raise_problems
from shared.registry import Registry
from shared.validators.parts import QueryPart

if TYPE_CHECKING:
    from shared.validators.history import PastRuns
from shared.validators.severity import (
    DEFAULT_THRESHOLDS,
    SeverityThresholds,
    sample_values,
    severity_for_ratio,
)

#: How many sample values an issue carries unless a validator's config says otherwise.
DEFAULT_SAMPLE_SIZE = 5
#: Float slack when comparing a pass fraction with `mostly`.
_EPSILON = 1e-12


class ValidatorConfig(BaseModel):
    """Fields every validator accepts; unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    #: The fraction of checked units (rows, columns...) that must pass; 1.0 means all.
    mostly: float = Field(default=1.0, gt=0.0, le=1.0)
    #: A fixed severity for this validator's issues, instead of one from the failing ratio.
    severity: Severity | None = None
    #: The most offending values an issue carries.
    sample_size: int = Field(default=DEFAULT_SAMPLE_SIZE, ge=0, le=MAX_SAMPLE_SIZE)
    #: Failing ratios above which issues are critical / high / medium; None: the validator's.
    severity_thresholds: SeverityThresholds | None = None
    #: Judge only the rows where this polars SQL condition holds (``"country = 'FR'"``).
    where: str | None = None

    @field_validator("where")
    @classmethod
    def _parses(cls, where: str | None) -> str | None:
        if where is not None:
            sql_condition(where)
        return where


ConfigT = TypeVar("ConfigT", bound=ValidatorConfig)


@dataclass
class Evaluation:
    """What a validator concluded: its issues and JSON-able figures (per column, usually)."""

    issues: list[ValidationIssue] = field(default_factory=list)
    figures: dict[str, JsonValue] = field(default_factory=dict)


class Validator(Generic[ConfigT]):
    """Base class of validators: a typed config, `plan` and `evaluate`."""

    #: The registered type name, as written in specs (``"range"``).
    name: ClassVar[str] = ""
    #: The pydantic model of this validator's config.
    config_model: ClassVar[type[ValidatorConfig]] = ValidatorConfig
    #: The severity thresholds unless the config gives ``severity_thresholds``.
    default_thresholds: ClassVar[SeverityThresholds] = DEFAULT_THRESHOLDS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        VALIDATORS.register_subclass(cls, "name")

    def __init__(self, config: ConfigT | Mapping[str, Any] | None = None, /, **fields: Any):
        if isinstance(config, BaseModel):
            data: dict[str, Any] = config.model_dump(exclude_unset=True)
        else:
            data = dict(config or {})
        data.update(fields)
        self.config: ConfigT = self.parse_config(data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Validator):
            return NotImplemented
        return type(self) is type(other) and self.config == other.config

    __hash__ = None  # type: ignore[assignment]  # the config is mutable

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config.model_dump(exclude_defaults=True)!r})"

    def where_filter(self, schema: pl.Schema) -> pl.Expr | None:
        """The ``where`` condition as a polars expression over `schema`, or None; `SpecError`
        naming every unknown column it uses."""
        if self.config.where is None:
            return None
        condition = sql_condition(self.config.where)
        unknown = [name for name in condition.meta.root_names() if name not in schema]
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            raise SpecError(
                f"where uses unknown column{'s' if len(unknown) > 1 else ''} {names};"
                f" the data has: {', '.join(schema.names())}",
                path="config.where",
            )
        return condition.fill_null(False)

    #: Whether one plan of this validator may serve many runs, concurrent ones included
    #: (`shared.validation.kept_plans`): its `evaluate` reads only what `plan` kept on
    #: ``self`` and compares with no earlier run.
    plan_shareable: ClassVar[bool] = False

    def shares_plan(self) -> bool:
        """`plan_shareable`, for this config."""
        return self.plan_shareable

    def history_runs(self) -> int:
        """How many earlier runs this validator compares with (0: none, it has thresholds);
        the executor loads that many from the results store before the run."""
        return 0

    def use_history(self, history: PastRuns | None, checkpoint: str) -> None:
        """Hand the validator the run history of `checkpoint` before `plan`: validators that
        compare with earlier runs keep it (on ``self._history``), the others ignore it."""
        self._history = history

    def past_runs(self) -> PastRuns:
        """The history handed by `use_history` (empty when none was)."""
        from shared.validators.history import PastRuns

        history = getattr(self, "_history", None)
        return history if history is not None else PastRuns()

    def fresh(self) -> Validator[ConfigT]:
        """A new instance with the same config, for one run (`plan` keeps state on ``self``)."""
        return type(self)(self.config)

    @classmethod
    def parse_config(cls, data: Mapping[str, Any]) -> ConfigT:
        """The validated config; `SpecError` listing every bad field at ``config.<field>``."""
        try:
            config = cls.config_model.model_validate(dict(data))
        except ValidationError as exc:
            raise_problems(problems_from_validation_error(exc, prefix="config"))
            raise  # unreachable: raise_problems raised
        return config  # type: ignore[return-value]

    def to_spec(self) -> dict[str, Any]:
        """``{"type": name, "config": {...}}`` with only the fields that differ from defaults."""
        config = self.config.model_dump(mode="json", exclude_defaults=True)
        return {"type": self.name, "config": config} if config else {"type": self.name}

    def plan(self, schema: pl.Schema) -> Mapping[str, QueryPart]:
        """Aggregations to compute, each reducing the data to one value, by a local key; or
        `FirstRows` / `AllValues` parts (see `shared.validators.parts`) for row samples and
        whole columns.

        Raise `SpecError` (path under ``config``) when the config does not fit the data, e.g.
        an unknown column.
        """
        raise NotImplementedError

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        """Issues and figures from the values `plan`'s expressions computed (same keys)."""
        raise NotImplementedError

    # Helpers for subclasses.

    def require_columns(
        self, schema: pl.Schema, columns: Iterable[str], *, field_name: str = "columns"
    ) -> list[str]:
        """`columns`, checked to exist in `schema`; `SpecError` naming the unknown ones."""
        wanted = list(columns)
        unknown = [column for column in wanted if column not in schema]
        if unknown:
            known = ", ".join(schema.names())
            names = ", ".join(repr(column) for column in unknown)
            raise SpecError(
                f"unknown column{'s' if len(unknown) > 1 else ''} {names}; the data has: {known}",
                path=f"config.{field_name}",
            )
        return wanted

    def passes(self, ratio: float) -> bool:
        """Whether a failing `ratio` is tolerated by ``mostly`` (the fraction that must pass)."""
        return 1.0 - ratio >= self.config.mostly - _EPSILON

    def make_issue(
        self,
        *,
        column: str | None,
        issue_type: str,
        count: int,
        ratio: float,
        message: str,
        sample: Iterable[Any] | None = None,
    ) -> ValidationIssue | None:
        """An issue, or None when ``mostly`` tolerates `ratio`. Severity from the ratio unless
        the config fixes it."""
        ratio = min(1.0, max(0.0, ratio))
        if count <= 0 and ratio <= 0.0:
            return None
        if self.passes(ratio):
            return None
        return ValidationIssue(
            validator=self.name,
            column=column,
            issue_type=issue_type,
            count=max(0, count),
            ratio=ratio,
            severity=self.config.severity
            or severity_for_ratio(
                ratio, self.config.severity_thresholds or self.default_thresholds
            ),
            message=message,
            sample=sample_values(sample, self.config.sample_size),
        )


def sql_condition(text: str) -> pl.Expr:
    """`text`, a polars SQL expression, as a polars expression; `ValueError` with the
    parser's whole message when it is not one."""
    try:
        return pl.sql_expr(text)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise ValueError(f"cannot parse {text!r} as SQL: {' '.join(str(exc).split())}") from None


#: Validator classes by name. Unknown names raise `UnknownTypeError` listing the known ones.
VALIDATORS: Registry[type[Validator[Any]]] = Registry("validator")


def first_baseline(validator: Validator[Any]) -> str:
    """The figure saying why a learning validator judged nothing: this run is its first
    baseline, or no run history is kept at all."""
    from shared.validators.history import FIRST_BASELINE, NO_HISTORY

    return NO_HISTORY if getattr(validator, "_history", None) is None else FIRST_BASELINE
