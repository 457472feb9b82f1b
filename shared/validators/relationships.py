"""`relationships`: every value of a column is present in another source (a foreign key,
dbt's ``relationships``).

``{"type": "relationships", "config": {"column": "customer_id", "to": "customers.parquet",
"field": "id"}}``. The other source is read with the registered readers (its `field` column
only) and anti-joined with this one's values in the run's first pass; the missing values are
counted (each row) and the first few sampled. Nulls are not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from pydantic import Field

from shared.errors import SpecError
from shared.sources import read_source, resolve_source
from shared.validators.base import Evaluation, Validator, ValidatorConfig
from shared.validators.parts import QueryPart, Subquery
from shared.validators.rowcheck import counted, percent
from shared.validators.severity import ratio_of


class RelationshipsConfig(ValidatorConfig):
    column: str
    #: The other source: a path, glob or URL, as a checkpoint's ``data_source``.
    to: str = Field(min_length=1)
    #: Its column holding the allowed values; None: the same name as `column`.
    field: str | None = None


class RelationshipsValidator(Validator[RelationshipsConfig]):
    """Rows whose value of `column` is not a value of `field` in `to`."""

    name = "relationships"
    config_model = RelationshipsConfig

    def plan(self, schema: pl.Schema) -> dict[str, QueryPart]:
        config = self.config
        column = self.require_columns(schema, [config.column], field_name="column")[0]
        field = config.field or column
        other = read_source(resolve_source(config.to))
        other_schema = other.collect_schema()
        if field not in other_schema:
            raise SpecError(
                f"{config.to!r} has no column {field!r}; it has: {', '.join(other_schema.names())}",
                path="config.field",
            )
        allowed = other.select(pl.col(field).cast(schema[column]).alias(column)).unique()
        size = self.config.sample_size

        def missing(frame: pl.LazyFrame) -> pl.LazyFrame:
            values = frame.select(pl.col(column)).drop_nulls()
            absent = values.join(allowed, on=column, how="anti")
            return values.select(pl.len().alias("checked")).join(
                absent.select(
                    pl.len().alias("missing"), pl.col(column).head(size).implode().alias("sample")
                ),
                how="cross",
            )

        return {"missing": Subquery(missing)}

    def evaluate(self, values: Mapping[str, Any], row_count: int) -> Evaluation:
        found = values["missing"]
        count, checked = int(found.get("missing") or 0), int(found.get("checked") or 0)
        ratio = ratio_of(count, checked)
        evaluation = Evaluation(figures={"missing": count, "checked": checked, "ratio": ratio})
        target = f"{self.config.to}:{self.config.field or self.config.column}"
        issue = self.make_issue(
            column=self.config.column,
            issue_type="missing_relationship",
            count=count,
            ratio=ratio,
            message=(
                f"column {self.config.column!r} has {counted(count, 'value')} not found in"
                f" {target} ({percent(ratio)} of non-null values)"
            ),
            sample=found.get("sample") if count else None,
        )
        if issue is not None:
            evaluation.issues.append(issue)
        return evaluation
