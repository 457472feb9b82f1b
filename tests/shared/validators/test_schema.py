from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity
from tests.support.checkpoints import config_error, run_one

FRAME = pl.DataFrame(
    {
        "id": [1, 2],
        "amount": [1.5, 2.5],
        "name": ["a", "b"],
        "ts": [datetime(2024, 1, 1), datetime(2024, 1, 2)],
    }
)


def test_matching_schema_passes(tmp_path: Path) -> None:
    spec = {
        "type": "schema",
        "config": {
            "columns": {"id": "Int64", "amount": "float64", "name": "utf8", "ts": "Datetime"}
        },
    }
    assert run_one(tmp_path, FRAME, spec).status is CheckpointStatus.SUCCESS


def test_missing_wrong_and_extra_columns(tmp_path: Path) -> None:
    spec = {
        "type": "schema",
        "config": {
            "columns": {"id": "String", "amount": None, "missing": "any", "name": "any"},
            "allow_extra": False,
        },
    }
    result = run_one(tmp_path, FRAME, spec)
    kinds = sorted((issue.issue_type, issue.column) for issue in result.issues)
    assert kinds == [
        ("missing_column", "missing"),
        ("unexpected_column", "ts"),
        ("wrong_type", "id"),
    ]
    assert all(issue.ratio == 0.75 for issue in result.issues)
    assert result.status is CheckpointStatus.FAILURE
    wrong = next(issue for issue in result.issues if issue.issue_type == "wrong_type")
    assert wrong.message == "column 'id' has type int64, expected String"


def test_severity_and_mostly(tmp_path: Path) -> None:
    columns = {name: "any" for name in ["id", "amount", "name", "ts"]}
    columns["gone"] = "any"
    (issue,) = run_one(tmp_path, FRAME, {"type": "schema", "config": {"columns": columns}}).issues
    assert issue.severity is Severity.MEDIUM  # 1 of 5 expected columns
    mostly = {"type": "schema", "config": {"columns": columns, "mostly": 0.8}}
    assert run_one(tmp_path, FRAME, mostly).issues == []
    fixed = {"type": "schema", "config": {"columns": columns, "severity": "critical"}}
    assert run_one(tmp_path, FRAME, fixed).status is CheckpointStatus.FAILURE


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"columns": {"id": "Integer64"}}, "unknown polars type 'Integer64'"),
        ({"columns": {}}, "validators[0].config.columns"),
        ({"columns": {"id": "Int64"}, "allow_extra": "sometimes"}, "config.allow_extra"),
    ],
)
def test_bad_config(tmp_path: Path, config: dict[str, object], expected: str) -> None:
    assert expected in config_error({"type": "schema", "config": config}, tmp_path, FRAME)
