from __future__ import annotations

import random

import polars as pl
import pytest

from shared.validators import duplicates
from shared.validators.duplicates import count_duplicated, first_duplicated


def reference_count(values: pl.Series) -> int:
    return int(values.is_duplicated().sum())


@pytest.mark.parametrize(
    "values",
    [
        pl.Series("x", [], dtype=pl.Int64),
        pl.Series("x", [1]),
        pl.Series("x", [1, 1]),
        pl.Series("x", [3, 1, 2, 3, 1, 1, 5]),
        pl.Series("x", [2.5, float("nan"), float("nan"), 2.5, 1.0]),
        pl.Series("x", ["b", "a", "b", "c", "c", "c"]),
        pl.DataFrame({"a": [1, None, 1, None, 2], "b": ["x", None, "x", None, None]}).to_struct(),
    ],
)
def test_count_matches_is_duplicated(values: pl.Series) -> None:
    assert count_duplicated(values.sort()) == reference_count(values)


def test_count_matches_is_duplicated_on_random_data() -> None:
    generator = random.Random(3)
    for size in (2, 3, 10, 1000):
        values = pl.Series([generator.randrange(size) for _ in range(size)])
        assert count_duplicated(values.sort()) == reference_count(values)


def test_first_duplicated_in_order_of_appearance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duplicates, "_SEARCH_CHUNK_ROWS", 3)  # several search steps
    values = pl.Series([9, 4, 8, 8, 1, 4, 7, 9, 1, 6])
    ordered = values.sort()
    assert first_duplicated(values, ordered, 5) == [9, 4, 8, 1]
    assert first_duplicated(values, ordered, 2) == [9, 4]
    assert first_duplicated(values, ordered, 0) == []
    unique = pl.Series([3, 1, 2])
    assert first_duplicated(unique, unique.sort(), 5) == []
