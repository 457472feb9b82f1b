from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from shared.models import CheckpointStatus, Severity
from shared.validators.durations import display_unit, in_unit, parse_duration_s
from tests.support.checkpoints import config_error, run_one


def frame_aged(hours: float) -> pl.DataFrame:
    newest = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=hours)
    stamps = [newest - timedelta(hours=i) for i in range(10)]
    return pl.DataFrame({"ts": stamps, "text": [s.isoformat() for s in stamps], "n": range(10)})


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_fresh_data_passes(tmp_path: Path, fmt: str) -> None:
    spec = {"type": "freshness", "config": {"column": "ts", "max_age": "1h"}}
    result = run_one(tmp_path, frame_aged(0.1), spec, fmt=fmt)
    assert result.status is CheckpointStatus.SUCCESS
    figures = result.statistics["validators"][0]["figures"]  # type: ignore[index,call-overload]
    assert 300 < figures["age_s"] < 420  # type: ignore[index,operator]


def test_stale_data_is_flagged(tmp_path: Path) -> None:
    spec = {"type": "freshness", "config": {"column": "ts", "max_age": "2h"}}
    (issue,) = run_one(tmp_path, frame_aged(3), spec).issues
    assert (issue.issue_type, issue.column) == ("stale_data", "ts")
    assert issue.ratio == pytest.approx(0.5, abs=0.01)  # 3 h against 2 h
    assert issue.severity is Severity.CRITICAL
    assert "3.0 h old; the limit is 2 h" in issue.message


def test_the_message_speaks_in_the_unit_of_the_limit(tmp_path: Path) -> None:
    spec = {"type": "freshness", "config": {"column": "ts", "max_age": 60}}
    (issue,) = run_one(tmp_path, frame_aged(140 / 3600), spec).issues
    assert re.search(r", 14\d s old; the limit is 60 s$", issue.message), issue.message


@pytest.mark.parametrize(
    ("seconds", "limit_s", "text"),
    [(140, 60, "140 s"), (5400, 1800, "90 min"), (9000, 7200, "2.5 h"), (3 * 86400, 172800, "3 d")],
)
def test_durations_in_sensible_units(seconds: float, limit_s: float, text: str) -> None:
    assert in_unit(seconds, display_unit(limit_s)) == text


def test_text_timestamps_are_parsed(tmp_path: Path) -> None:
    spec = {"type": "freshness", "config": {"column": "text", "max_age": 3600}}
    (issue,) = run_one(tmp_path, frame_aged(1.05), spec).issues
    assert issue.severity is Severity.MEDIUM  # 5% over


def test_mostly_tolerates_relative_excess(tmp_path: Path) -> None:
    spec = {"type": "freshness", "config": {"column": "ts", "max_age": "2h", "mostly": 0.4}}
    assert run_one(tmp_path, frame_aged(3), spec).issues == []
    fixed = {"type": "freshness", "config": {"column": "ts", "max_age": "2h", "severity": "low"}}
    assert run_one(tmp_path, frame_aged(3), fixed).status is CheckpointStatus.WARNING


def test_no_timestamps(tmp_path: Path) -> None:
    frame = pl.DataFrame({"ts": [None, None]}, schema={"ts": pl.Datetime})
    spec = {"type": "freshness", "config": {"column": "ts", "max_age": "1d"}}
    (issue,) = run_one(tmp_path, frame, spec).issues
    assert issue.issue_type == "no_timestamps" and issue.ratio == 1.0


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"column": "ts", "max_age": "soon"}, "cannot read 'soon' as a duration"),
        ({"column": "ts", "max_age": -5}, "positive"),
        ({"column": "n", "max_age": "1h"}, "column 'n' has type Int64, not a date"),
        ({"column": "gone", "max_age": "1h"}, "validators[0].config.column"),
    ],
)
def test_bad_config(tmp_path: Path, config: dict[str, object], expected: str) -> None:
    assert expected in config_error(
        {"type": "freshness", "config": config}, tmp_path, frame_aged(0)
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h30m", 5400), ("2d", 172800), (" 1w ", 604800), (2.5, 2.5)],
)
def test_durations(text: str | float, seconds: float) -> None:
    assert parse_duration_s(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "1y", "5", "1h x", True])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration_s(text)
