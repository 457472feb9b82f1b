"""Bare validator names work with the reference framework's defaults; counts are checked
against independent polars computations."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus
from tests.support.checkpoints import run_one

FRAME = pl.DataFrame(
    {
        "id": [1, 2, 3, 3, 5, 6, 7, 8, 9, 10],
        "customer_email": [
            "a@x.io",
            "b@x.io",
            "nope",
            None,
            "c@y.org",
            "d@y.org",
            "e@y.org",
            "f@y.org",
            "g@y.org",
            "h@y.org",
        ],
        "website": [
            "https://a.io",
            "ftp://b.io/x",
            "a.io",
            None,
            None,
            None,
            None,
            None,
            None,
            "http://c.io",
        ],
        "guid": ["123e4567-e89b-12d3-a456-426614174000"] * 9 + ["not-a-uuid"],
        "phone": [
            "+1 555 123 4567",
            "555-1234",
            "call me",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        "code": ["1", "2", "3", "x", "5", "6", "7", "8", "9", "10"],
        "amount": [10.0, 11.0, 12.0, 11.5, 10.5, 12.5, 11.0, 10.0, 500.0, -300.0],
    }
)


def issues_by_column(frame: pl.DataFrame, name: str, tmp_path: Path) -> dict[str | None, int]:
    result = run_one(tmp_path, frame, name)
    assert result.status is not CheckpointStatus.ERROR, result.error
    return {issue.column: issue.count for issue in result.issues}


def test_null_and_not_null_cover_every_column(tmp_path: Path) -> None:
    expected = {c: n for c, n in FRAME.null_count().row(0, named=True).items() if n}
    assert issues_by_column(FRAME, "null", tmp_path) == expected
    assert issues_by_column(FRAME, "not_null", tmp_path) == expected


def test_unique_covers_every_column(tmp_path: Path) -> None:
    expected = {}
    for column in FRAME.columns:
        values = FRAME.get_column(column).drop_nulls()
        duplicated = int(values.is_duplicated().sum())
        if duplicated:
            expected[column] = duplicated
    assert issues_by_column(FRAME, "unique", tmp_path) == expected


def test_duplicate_counts_repeated_rows(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [1, 1, 2, 1, None, None], "b": ["x", "x", "y", "z", None, None]})
    expected = int(frame.is_duplicated().sum())
    assert issues_by_column(frame, "duplicate", tmp_path) == {"a, b": expected}
    (issue,) = run_one(tmp_path, frame, "duplicate").issues
    assert issue.issue_type == "duplicate_rows" and expected == 4


def test_format_by_column_names(tmp_path: Path) -> None:
    found = issues_by_column(FRAME, "format", tmp_path)
    patterns = {
        "customer_email": r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
        "website": r"^(https?|ftp)://[^\s/$.?#][^\s]*$",
        "guid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "phone": r"^\+?[0-9][0-9 ().-]{5,}[0-9]$",
    }
    expected = {
        column: FRAME.filter(~pl.col(column).str.contains(pattern)).height
        for column, pattern in patterns.items()
    }
    assert found == expected == {"customer_email": 1, "website": 1, "guid": 1, "phone": 1}


def test_format_with_named_columns(tmp_path: Path) -> None:
    spec = {"type": "format", "config": {"columns": {"code": "uuid"}}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert issue.count == 10 and issue.issue_type == "invalid_format"
    assert "not a valid uuid" in issue.message


def test_type_flags_the_minority_in_mixed_text_columns(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, "type", fmt="parquet")
    numeric = FRAME.select(pl.col("code").cast(pl.Float64, strict=False).is_not_null().sum()).item()
    words = FRAME.get_column("code").count() - numeric
    (issue,) = [issue for issue in result.issues if issue.column == "code"]
    assert issue.count == min(numeric, words) == 1 and issue.sample == ["x"]
    assert "1 value of text among numbers" in issue.message
    assert {i.column for i in result.issues} == {"code"}  # the other text columns are not mixed


def test_outlier_uses_tukey_fences(tmp_path: Path) -> None:
    amount = FRAME.get_column("amount")
    q1, q3 = amount.quantile(0.25), amount.quantile(0.75)
    assert q1 is not None and q3 is not None
    spread = 1.5 * (q3 - q1)
    expected = int(((amount < q1 - spread) | (amount > q3 + spread)).sum())
    found = issues_by_column(FRAME, "outlier", tmp_path)
    assert found == {"amount": expected} and expected == 2


@pytest.mark.parametrize(
    "name",
    [
        "null",
        "not_null",
        "unique",
        "duplicate",
        "format",
        "type",
        "outlier",
        "range",
        "distribution",
        "row_count",
    ],
)
def test_every_bare_name_runs(tmp_path: Path, name: str) -> None:
    result = run_one(tmp_path, FRAME, name)
    assert result.status is not CheckpointStatus.ERROR, result.error


def test_bare_row_count_wants_rows(tmp_path: Path) -> None:
    (issue,) = run_one(tmp_path, FRAME.clear(), "row_count").issues
    assert issue.issue_type == "too_few_rows" and "expected at least 1" in issue.message


def test_clean_data_passes_every_default(tmp_path: Path) -> None:
    clean = pl.DataFrame(
        {"id": [1, 2, 3], "email": ["a@b.io", "c@d.io", "e@f.io"], "age": [1, 2, 3]}
    )
    for name in ("null", "not_null", "unique", "duplicate", "format", "type", "range"):
        result = run_one(tmp_path, clean, name)
        assert result.status is CheckpointStatus.SUCCESS, (name, result.summary())
