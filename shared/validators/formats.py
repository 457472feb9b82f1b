"""`format`: text values in a well-known format (email, url, uuid, phone).

With no ``columns`` (a bare ``format``), as the reference framework does, the text columns are
matched by name: a column whose name has a word (split on ``_``, ``-``, spaces) such as
``email``, ``url``/``website``, ``uuid``/``guid`` or ``phone``/``mobile`` is checked against
that format.
"""

from __future__ import annotations

import re
from typing import Literal

import polars as pl
from pydantic import Field

from shared.validators.base import ValidatorConfig
from shared.validators.regex import full_match_pattern
from shared.validators.rowcheck import RowCheck, counted, percent

Format = Literal["email", "url", "uuid", "phone"]

#: The pattern of each format (Rust regex syntax, matched against the whole value).
FORMAT_PATTERNS: dict[str, str] = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "url": r"(https?|ftp)://[^\s/$.?#][^\s]*",
    "uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    "phone": r"\+?[0-9][0-9 ().-]{5,}[0-9]",
}
#: Words of a column name that say which format its values have.
FORMAT_BY_WORD: dict[str, Format] = {
    "email": "email",
    "mail": "email",
    "url": "url",
    "uri": "url",
    "website": "url",
    "link": "url",
    "uuid": "uuid",
    "guid": "uuid",
    "phone": "phone",
    "mobile": "phone",
    "telephone": "phone",
}
_WORDS = re.compile(r"[^a-z0-9]+")


def format_by_name(column: str) -> Format | None:
    """The format a column's name announces (``customer_email`` -> email), if any."""
    for word in _WORDS.split(column.lower()):
        if word in FORMAT_BY_WORD:
            return FORMAT_BY_WORD[word]
    return None


class FormatConfig(ValidatorConfig):
    #: Column to its format; None (a bare ``format``) chooses by column name.
    columns: dict[str, Format] | None = Field(default=None, min_length=1)


class FormatValidator(RowCheck[FormatConfig]):
    """Non-null values that are not in their column's format."""

    name = "format"
    config_model = FormatConfig
    issue_type = "invalid_format"

    _formats: dict[str, Format]

    def target_columns(self, schema: pl.Schema) -> list[str]:
        given = self.config.columns
        if given is not None:
            self.require_columns(schema, given)
            self._formats = dict(given)
        else:
            self._formats = {}
            for column, dtype in schema.items():
                found = format_by_name(column)
                if found is not None and dtype == pl.String:
                    self._formats[column] = found
        return list(self._formats)

    def failing(self, column: str, dtype: pl.DataType) -> pl.Expr:
        text = pl.col(column) if dtype == pl.String else pl.col(column).cast(pl.String)
        pattern = full_match_pattern(FORMAT_PATTERNS[self._formats[column]])
        return ~text.str.contains(pattern)

    def describe(self, column: str, count: int, ratio: float) -> str:
        return (
            f"column {column!r} has {counted(count, 'value')} that {'is' if count == 1 else 'are'}"
            f" not a valid {self._formats[column]} ({percent(ratio)} of non-null values)"
        )
