"""`checkfleet run`, `validate` and `init` on the example project: output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from producer.cli.app import app
from producer.cli.example import EXAMPLE_STATUSES
from tests.support.processes import REPO_ROOT
from tests.support.snippets import snippet

EXIT_CODES = {"success": 0, "warning": 1, "failure": 2, "error": 3}
#: The ``checkfleet`` console script, run by this interpreter.
CLI = "from producer.cli import main; main()"


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
    assert "high: column 'amount' has 13 null values" in out
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


@pytest.mark.slow
@pytest.mark.parametrize("command", ["validate", "run"])
def test_run_and_validate_load_the_reader_plugins(tmp_path: Path, command: str) -> None:
    (tmp_path / "numbers_reader.py").write_text(snippet("reader-plugin", "checkpoints.md"))
    config = tmp_path / "checkpoints.yaml"
    config.write_text(
        "checkpoints:\n"
        "  - name: numbers\n"
        "    data_source: {uri: 'numbers://4', options: {step: 2}}\n"
        "    validators: [{type: row_count, config: {min: 4, max: 4}}]\n"
    )
    env = {**os.environ, "CHECKFLEET_PLUGINS": "numbers_reader", "PYTHONPATH": str(tmp_path)}
    env.pop("CHECKFLEET_REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", CLI, command, str(config), "--json"],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    output = json.loads(done.stdout)
    if command == "run":
        assert output[0]["status"] == "success" and output[0]["row_count"] == 4
    else:
        assert output["checkpoints"] == ["numbers"]
    without = subprocess.run(
        [sys.executable, "-c", CLI, command, str(config), "--json"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60, check=False,
        env={k: v for k, v in env.items() if k != "CHECKFLEET_PLUGINS"},
    )  # fmt: skip
    assert without.returncode == 3  # no reader for numbers:// without the plugin
