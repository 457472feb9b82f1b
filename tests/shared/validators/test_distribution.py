from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from shared.checkpoint import Checkpoint
from shared.models import CheckpointStatus, Severity
from shared.validation import validate_checkpoint
from shared.validators.distribution import NO_REFERENCE
from shared.validators.divergence import jensen_shannon, population_stability_index
from shared.validators.reference import Reference
from tests.support.checkpoints import config_error, run_one, write_frame

# Categories a/b/c in shares 0.5/0.3/0.2; amounts 0..99.
FRAME = pl.DataFrame(
    {"category": ["a"] * 50 + ["b"] * 30 + ["c"] * 20, "amount": [float(i) for i in range(100)]}
)
SHIFTED = pl.DataFrame(
    {"category": ["a"] * 10 + ["b"] * 30 + ["c"] * 60, "amount": [float(i) * 3 for i in range(100)]}
)


def categories_spec(**extra: object) -> dict[str, object]:
    config = {"column": "category", "categories": {"a": 0.5, "b": 0.3, "c": 0.2}, **extra}
    return {"type": "distribution", "config": config}


def test_matching_categories_pass(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, categories_spec())
    assert result.status is CheckpointStatus.SUCCESS
    figures = result.statistics["validators"][0]["figures"]  # type: ignore[index,call-overload]
    assert figures["divergence"] == pytest.approx(0.0, abs=1e-9)  # type: ignore[index]
    assert figures["buckets"] == ["a", "b", "c", "other"]  # type: ignore[index]


def test_shifted_categories_are_flagged_with_psi(tmp_path: Path) -> None:
    (issue,) = run_one(tmp_path, SHIFTED, categories_spec()).issues
    expected_psi = population_stability_index([0.1, 0.3, 0.6, 0.0], [0.5, 0.3, 0.2, 0.0])
    assert issue.issue_type == "distribution_drift"
    assert f"psi {expected_psi:.4f} > 0.2" in issue.message
    assert issue.severity is Severity.CRITICAL


def test_js_metric_and_threshold(tmp_path: Path) -> None:
    lenient = categories_spec(metric="js", threshold=0.5)
    assert run_one(tmp_path, SHIFTED, lenient).issues == []
    (issue,) = run_one(tmp_path, SHIFTED, categories_spec(metric="js")).issues
    assert "js " in issue.message


def test_unknown_categories_fall_into_other(tmp_path: Path) -> None:
    spec = {"type": "distribution", "config": {"column": "category", "categories": {"a": 0.5}}}
    result = run_one(tmp_path, FRAME, spec)
    assert result.status is CheckpointStatus.SUCCESS  # a: 0.5, other: 0.5 on both sides


def test_numeric_bins(tmp_path: Path) -> None:
    spec = {
        "type": "distribution",
        "config": {"column": "amount", "bins": [50.0], "shares": [0.5, 0.5]},
    }
    assert run_one(tmp_path, FRAME, spec).status is CheckpointStatus.SUCCESS
    (issue,) = run_one(tmp_path, SHIFTED, spec).issues
    assert issue.column == "amount"


def test_reference_file(tmp_path: Path) -> None:
    reference = write_frame(tmp_path, FRAME, "csv", stem="reference")
    for column in ("category", "amount"):
        spec = {"type": "distribution", "config": {"column": column, "reference": reference}}
        same = run_one(tmp_path, FRAME, spec)
        assert same.status is CheckpointStatus.SUCCESS, same.summary()
        shifted = run_one(tmp_path, SHIFTED, spec)
        assert [issue.column for issue in shifted.issues] == [column]


def test_mostly_and_fixed_severity(tmp_path: Path) -> None:
    # The relative excess of a psi far above 0.2 is 1: even mostly 0.01 does not hide it.
    assert len(run_one(tmp_path, SHIFTED, categories_spec(mostly=0.01)).issues) == 1
    near = categories_spec(metric="js", threshold=0.12)
    (issue,) = run_one(tmp_path, SHIFTED, near).issues
    excess = issue.ratio
    assert 0 < excess < 1
    assert (
        run_one(
            tmp_path, SHIFTED, categories_spec(metric="js", threshold=0.12, mostly=1 - excess)
        ).issues
        == []
    )
    fixed = categories_spec(severity="medium")
    assert run_one(tmp_path, SHIFTED, fixed).status is CheckpointStatus.WARNING


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"column": "amount", "bins": [1.0], "shares": [1, 1], "reference": "x.csv"}, "at most"),
        ({"categories": {"a": 1}}, "column: name the column that categories describes"),
        ({"column": "amount", "bins": [1.0, 2.0], "shares": [1.0]}, "one more than"),
        ({"column": "amount", "bins": [2.0, 1.0], "shares": [1, 1, 1]}, "strictly ascending"),
        ({"column": "amount", "categories": {"a": -1}}, "non-negative"),
        ({"column": "amount", "categories": {"a": 1}, "metric": "kl"}, "config.metric"),
        ({"column": "category", "bins": [1.0], "shares": [1, 1]}, "numeric bins need a numeric"),
        ({"column": "amount", "reference": "missing.csv"}, "file not found"),
    ],
)
def test_bad_config(tmp_path: Path, config: dict[str, object], expected: str) -> None:
    assert expected in config_error({"type": "distribution", "config": config}, tmp_path, FRAME)


def test_divergences() -> None:
    assert jensen_shannon([1, 0], [0, 1]) == pytest.approx(1.0)
    assert jensen_shannon([0.5, 0.5], [0.5, 0.5]) == 0.0
    psi = population_stability_index([0.6, 0.4], [0.5, 0.5])
    assert psi == pytest.approx(0.1 * math.log(1.2) + (-0.1) * math.log(0.8))


class FakeHistory:
    """Run history holding one earlier distribution: what the history store will provide."""

    def __init__(self, references: dict[str, Reference]) -> None:
        self.references = references
        self.asked: list[tuple[str, str]] = []

    def previous_distribution(self, checkpoint: str, column: str) -> Reference | None:
        self.asked.append((checkpoint, column))
        return self.references.get(column)


def test_bare_distribution_says_it_has_nothing_to_compare_with(tmp_path: Path) -> None:
    result = run_one(tmp_path, FRAME, "distribution")
    assert result.status is CheckpointStatus.SUCCESS and result.issues == []
    figures = result.statistics["validators"][0]["figures"]  # type: ignore[index,call-overload]
    assert figures == {  # every column, none compared
        "category": {"reference": None, "note": NO_REFERENCE},
        "amount": {"reference": None, "note": NO_REFERENCE},
    }
    assert "previous run" in NO_REFERENCE


def test_bare_distribution_compares_with_the_previous_run_through_history(
    tmp_path: Path,
) -> None:
    source = write_frame(tmp_path, SHIFTED, "parquet")
    checkpoint = Checkpoint("orders", source, validators=["distribution"])
    history = FakeHistory({"category": Reference(["a", "b", "c"], [0.5, 0.3, 0.2], None)})
    result = validate_checkpoint(checkpoint, run_id="r", history=history)
    assert history.asked == [("orders", "category"), ("orders", "amount")]
    (issue,) = result.issues
    expected_psi = population_stability_index([0.1, 0.3, 0.6, 0.0], [0.5, 0.3, 0.2, 0.0])
    assert issue.column == "category" and f"psi {expected_psi:.4f} > 0.2" in issue.message
    figures = result.statistics["validators"][0]["figures"]  # type: ignore[index,call-overload]
    assert figures["amount"] == {"reference": None, "note": NO_REFERENCE}  # type: ignore[index]
