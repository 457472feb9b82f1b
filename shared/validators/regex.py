"""`regex`: every non-null value of the columns fully matches a pattern (Rust regex syntax)."""

from __future__ import annotations

import polars as pl
from pydantic import field_validator

from shared.validators.rowcheck import ColumnsConfig, RowCheck, counted, percent


def full_match_pattern(pattern: str) -> str:
    """`pattern` anchored so that it must match a whole value."""
    return f"^(?:{pattern})$"


class RegexConfig(ColumnsConfig):
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        # polars uses Rust's regex engine (no look-around): check with it, not with `re`.
        try:
            pl.select(pl.lit("").str.contains(full_match_pattern(pattern)))
        except pl.exceptions.PolarsError as exc:
            # The whole cause: the first line is only "regex parse error:".
            cause = " ".join(str(exc).split()) or "invalid"
            raise ValueError(f"invalid regular expression: {cause}") from None
        return pattern


class RegexValidator(RowCheck[RegexConfig]):
    """Values (cast to text) that do not fully match ``pattern``."""

    name = "regex"
    config_model = RegexConfig
    issue_type = "pattern_mismatch"

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        text = pl.col(column) if dtype == pl.String else pl.col(column).cast(pl.String)
        return ~text.str.contains(full_match_pattern(self.config.pattern))

    def describe(self, column: str, count: int, ratio: float) -> str:
        return (
            f"column {column!r} has {counted(count, 'value')} not matching {self.config.pattern!r}"
            f" ({percent(ratio)} of non-null values)"
        )
