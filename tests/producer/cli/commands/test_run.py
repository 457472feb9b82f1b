"""`checkfleet run`, `validate` and `init` on the example project: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from producer.cli.app import app
from producer.cli.example import EXAMPLE_STATUSES

EXIT_CODES = {"success": 0, "warning": 1, "failure": 2, "error": 3}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    result = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "checkpoints.yaml" in result.output
    return tmp_path / "checkpoints.yaml"


@pytest.mark.parametrize(("name", "status"), list(EXAMPLE_STATUSES.items()))
def test_run_shows_each_status_with_its_exit_code(example: Path, name: str, status: str) -> None:
    result = CliRunner().invoke(app, ["run", str(example), name], env={"COLUMNS": "200"})
    assert result.exit_code == EXIT_CODES[status], result.output
    [row] = [line for line in result.stdout.splitlines() if f" {name} " in line]
    assert f" {status} " in row


def test_run_all_exits_with_the_worst_status_and_explains_each(example: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(example)], env={"COLUMNS": "250"})
    assert result.exit_code == 3
    out = result.stdout
    assert "all expectations met" in out
    assert "medium: column 'amount' has 1 value outside" in out
    assert "critical: column 'amount' has 13 null values" in out
    assert "orders_missing.csv': file not found" in out


def test_run_json_is_the_results(example: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(example), "orders", "orders_odd", "--json"])
    assert result.exit_code == 1
    results = json.loads(result.stdout)
    assert [(r["checkpoint_name"], r["status"]) for r in results] == [
        ("orders", "success"),
        ("orders_odd", "warning"),
    ]
    assert results[0]["row_count"] == 40


def test_an_unknown_name_is_an_error_listing_the_known_ones(example: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(example), "nope"])
    assert result.exit_code == 3
    assert "unknown checkpoint 'nope'; known: orders" in result.stderr


def test_a_broken_config_exits_3_naming_every_problem(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        "checkpoints:\n"
        "  - {name: a, data_source: x.csv, validators: [nope]}\n"
        "  - {name: b, data_source: x.txt, validators: [null], colour: red}\n"
    )
    for command in (["run", str(config)], ["validate", str(config)]):
        result = CliRunner().invoke(app, command, env={"COLUMNS": "200"})
        assert result.exit_code == 3, result.output
        assert "checkpoints[0].validators[0]" in result.stderr
        assert "colour" in result.stderr
    as_json = CliRunner().invoke(app, ["validate", str(config), "--json"])
    report = json.loads(as_json.stdout)
    assert report["valid"] is False and len(report["problems"]) >= 2


def test_validate_lists_the_checkpoints(example: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(example), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "valid": True,
        "problems": [],
        "checkpoints": list(EXAMPLE_STATUSES),
    }


def test_init_refuses_to_overwrite_without_force(example: Path) -> None:
    again = CliRunner().invoke(app, ["init", str(example.parent)])
    assert again.exit_code == 3
    assert "not overwriting" in again.stderr
    forced = CliRunner().invoke(app, ["init", str(example.parent), "--force", "--json"])
    assert forced.exit_code == 0
    assert json.loads(forced.stdout)["config"] == str(example)
