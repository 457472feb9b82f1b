"""The checks that dbt, GX and Soda users expect, each a typed config planned into the same
scan; counts against independent polars computations."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus
from tests.support.checkpoints import config_error, counting_source, run_one, write_frame

FRAME = pl.DataFrame(
    {
        "id": list(range(1, 21)),
        "country": ["FR", "DE", "FR", "US", "FR"] * 4,
        "amount": [float(i) for i in range(20)],
        "qty": [1, 2, 0, 4, -1] * 4,
        "code": ["ab", "abc", "a", "abcd", None] * 4,
        "customer": [1, 2, 3, 9, None] * 4,
        "flag": [True] * 20,
    }
)
CUSTOMERS = pl.DataFrame({"cid": [1, 2, 3, 4]})


def single(tmp_path: Path, spec: dict[str, object], frame: pl.DataFrame = FRAME) -> tuple:
    result = run_one(tmp_path, frame, spec)
    assert result.status is not CheckpointStatus.ERROR, result.error
    figures = result.statistics["validators"][0]["figures"]  # type: ignore[index,call-overload]
    return result.issues, figures


def test_not_in_set(tmp_path: Path) -> None:
    spec = {"type": "not_in_set", "config": {"columns": ["country"], "values": ["US", "DE"]}}
    (issue,) = single(tmp_path, spec)[0]
    assert issue.count == FRAME.filter(pl.col("country").is_in(["US", "DE"])).height == 8
    assert issue.sample == ["DE", "US", "DE", "US", "DE"]


def test_expression(tmp_path: Path) -> None:
    spec = {"type": "expression", "config": {"expression": "qty > 0 AND amount < 18"}}
    (issue,), figures = single(tmp_path, spec)
    expected = FRAME.filter(~((pl.col("qty") > 0) & (pl.col("amount") < 18))).height
    assert issue.count == expected and figures["failing"] == expected
    assert issue.sample[0] == str({"qty": 0, "amount": 2.0})
    assert "where 'qty > 0 AND amount < 18' is not true" in issue.message
    bad = {"type": "expression", "config": {"expression": "qty >>> 1"}}
    assert "cannot parse 'qty >>> 1' as SQL" in config_error(bad, tmp_path, FRAME)
    ghost = {"type": "expression", "config": {"expression": "ghost > 1 AND spook < 2"}}
    assert "unknown columns 'ghost', 'spook'" in config_error(ghost, tmp_path, FRAME)


@pytest.mark.parametrize(
    ("stat", "extra", "expected"),
    [
        ("mean", {}, FRAME["amount"].mean()),
        ("sum", {}, FRAME["amount"].sum()),
        ("stdev", {}, FRAME["amount"].std()),
        ("median", {}, FRAME["amount"].median()),
        ("quantile", {"quantile": 0.9}, FRAME["amount"].quantile(0.9)),
        ("max", {}, FRAME["amount"].max()),
    ],
)
def test_aggregate_stats(
    tmp_path: Path, stat: str, extra: dict[str, object], expected: float
) -> None:
    config = {"column": "amount", "stat": stat, "max": -1.0, **extra}
    (issue,), figures = single(tmp_path, {"type": "aggregate", "config": config})
    assert figures["value"] == pytest.approx(expected)
    assert issue.issue_type == "aggregate_out_of_range" and "above [-inf, -1]" in issue.message
    inside = {**config, "max": None, "min": float("-1e9")}
    assert single(tmp_path, {"type": "aggregate", "config": inside})[0] == []


def test_aggregate_distinct_count(tmp_path: Path) -> None:
    config = {"column": "country", "stat": "distinct_count", "min": 4}
    (issue,), figures = single(tmp_path, {"type": "aggregate", "config": config})
    assert figures["value"] == FRAME["country"].n_unique() == 3
    assert issue.ratio == pytest.approx(0.25)
    wrong = {"type": "aggregate", "config": {"column": "country", "stat": "mean", "min": 1}}
    assert "mean needs numbers" in config_error(wrong, tmp_path, FRAME)


def test_string_length(tmp_path: Path) -> None:
    spec = {"type": "string_length", "config": {"columns": ["code"], "min": 2, "max": 3}}
    (issue,) = single(tmp_path, spec)[0]
    lengths = FRAME["code"].drop_nulls().str.len_chars()
    assert issue.count == int(((lengths < 2) | (lengths > 3)).sum()) == 8
    assert issue.sample == ["a", "abcd", "a", "abcd", "a"]


def test_not_constant(tmp_path: Path) -> None:
    issues, figures = single(tmp_path, {"type": "not_constant"})
    constant = [c for c in FRAME.columns if FRAME[c].drop_nulls().n_unique() <= 1]
    assert [issue.column for issue in issues] == constant == ["flag"]
    assert figures["id"] == {"constant": False}


def test_relationships(tmp_path: Path) -> None:
    other = write_frame(tmp_path, CUSTOMERS, "parquet", stem="customers")
    spec = {
        "type": "relationships",
        "config": {"column": "customer", "to": other, "field": "cid"},
    }
    (issue,), figures = single(tmp_path, spec)
    values = FRAME["customer"].drop_nulls()
    missing = values.filter(~values.is_in(CUSTOMERS["cid"].implode()))
    assert issue.count == len(missing) == 4 and figures["checked"] == len(values)
    assert issue.sample == [9, 9, 9, 9]
    wrong = {"type": "relationships", "config": {"column": "customer", "to": other}}
    assert "has no column 'customer'; it has: cid" in config_error(wrong, tmp_path, FRAME)


def test_where_filters_the_rows_of_every_validator(tmp_path: Path) -> None:
    french = FRAME.filter(pl.col("country") == "FR")
    spec = {"type": "null", "config": {"columns": ["code"], "where": "country = 'FR'"}}
    result = run_one(tmp_path, FRAME, spec)
    (issue,) = result.issues
    assert issue.count == french["code"].null_count() == 4
    assert issue.ratio == pytest.approx(4 / french.height)  # of the filtered rows
    expr = {"type": "expression", "config": {"expression": "qty > 0", "where": "country = 'FR'"}}
    (issue,) = run_one(tmp_path, FRAME, expr).issues
    assert issue.count == french.filter(pl.col("qty") <= 0).height
    unique = {"type": "unique", "config": {"columns": ["country"], "where": "country <> 'FR'"}}
    (issue,) = run_one(tmp_path, FRAME, unique).issues
    assert issue.count == FRAME.filter(pl.col("country") != "FR").height
    bad = {"type": "null", "config": {"where": "nation = 'FR'"}}
    assert "where uses unknown column 'nation'" in config_error(bad, tmp_path, FRAME)


def test_every_check_in_one_read_when_clean(tmp_path: Path) -> None:
    clean = pl.DataFrame({"id": [1, 2, 3], "name": ["ab", "cd", "ef"], "n": [1, 2, 3]})
    validators = [
        "null",
        "unique",
        {"type": "not_in_set", "config": {"columns": ["name"], "values": ["zz"]}},
        {"type": "expression", "config": {"expression": "n > 0"}},
        {"type": "aggregate", "config": {"column": "n", "stat": "mean", "min": 1}},
        {"type": "string_length", "config": {"max": 2}},
        {"type": "not_constant"},
        {"type": "null", "config": {"where": "n > 1"}},
    ]
    with counting_source("clean", clean) as reads:
        result = Checkpoint("c", "clean://x", validators=validators).run()
    assert result.status is CheckpointStatus.SUCCESS, result.summary()
    assert len(reads) == 1


def test_samples_come_in_a_second_read_only_when_a_check_failed(tmp_path: Path) -> None:
    dirty = pl.DataFrame({"id": [1, 2, 3], "name": ["ab", "zz", "ef"]})
    spec = {"type": "not_in_set", "config": {"columns": ["name"], "values": ["zz"]}}
    with counting_source("dirty", dirty) as reads:
        result = Checkpoint("c", "dirty://x", validators=["null", spec]).run()
    assert [issue.sample for issue in result.issues] == [["zz"]]
    assert len(reads) == 2
