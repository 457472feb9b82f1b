from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity
from tests.support.checkpoints import config_error, run_one

EMAIL = r"[^@\s]+@[^@\s]+\.[a-z]+"
FRAME = pl.DataFrame(
    {
        "email": ["a@b.com", "bad", "c@d.org x", None, *(f"u{i}@x.io" for i in range(96))],
        "code": [100, 2000, *range(100, 198)],
    }
)


def test_values_must_match_fully(tmp_path: Path) -> None:
    spec = {"type": "regex", "config": {"columns": ["email"], "pattern": EMAIL}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert (issue.column, issue.issue_type, issue.count) == ("email", "pattern_mismatch", 2)
    assert issue.sample == ["bad", "c@d.org x"]  # a partial match is not a match
    assert issue.ratio == pytest.approx(2 / 99)
    assert issue.severity is Severity.LOW


def test_non_text_columns_are_matched_as_text(tmp_path: Path) -> None:
    spec = {"type": "regex", "config": {"columns": ["code"], "pattern": r"\d{3}"}}
    (issue,) = run_one(tmp_path, FRAME, spec).issues
    assert issue.count == 1 and issue.sample == [2000]


def test_pass_and_mostly(tmp_path: Path) -> None:
    loose = {"type": "regex", "config": {"columns": ["email"], "pattern": ".+"}}
    assert run_one(tmp_path, FRAME, loose).status is CheckpointStatus.SUCCESS
    mostly = {"type": "regex", "config": {"columns": ["email"], "pattern": EMAIL, "mostly": 0.9}}
    assert run_one(tmp_path, FRAME, mostly).issues == []


def test_fixed_severity(tmp_path: Path) -> None:
    spec = {
        "type": "regex",
        "config": {"columns": ["email"], "pattern": EMAIL, "severity": "critical"},
    }
    assert run_one(tmp_path, FRAME, spec).status is CheckpointStatus.FAILURE


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"columns": ["email"], "pattern": "(unclosed"}, "invalid regular expression"),
        ({"columns": ["email"], "pattern": "(?<=look)behind"}, "invalid regular expression"),
        ({"columns": ["email"]}, "validators[0].config.pattern: Field required"),
    ],
)
def test_bad_config(tmp_path: Path, config: dict[str, object], expected: str) -> None:
    assert expected in config_error({"type": "regex", "config": config}, tmp_path, FRAME)
