"""What people read from `checkfleet run` and `validate`, at 80 and 160 columns: every issue,
every action outcome (a failed action visible and in the exit code), user text shown as
written (never as rich markup), paths with brackets read as paths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from producer.cli.app import app

WIDTHS = pytest.mark.parametrize("columns", ["80", "160"])


def invoke(columns: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": columns})
    return result.exit_code, result.stdout, result.stderr


def flat(text: str) -> str:
    """`text` with every run of whitespace as one space: table cells fold at 80 columns."""
    return " ".join(text.split())


def write_config(directory: Path, checkpoints: list[dict[str, object]]) -> str:
    path = directory / "checkpoints.json"
    path.write_text(json.dumps({"checkpoints": checkpoints}))
    return str(path)


@WIDTHS
def test_every_issue_and_a_failed_action_are_shown_and_set_the_exit_code(
    tmp_path: Path, columns: str
) -> None:
    data = tmp_path / "orders.csv"
    data.write_text("id,amount,email\n1,,a@x\n2,3.0,\n3,4.0,c@x\n3,5.0,d@x\n")
    config = write_config(
        tmp_path,
        [
            {
                "name": "orders",
                "data_source": str(data),
                "validators": ["null", {"type": "unique", "config": {"columns": ["id"]}}],
                "actions": [
                    {"type": "webhook", "name": "notify", "url": "http://127.0.0.1:1/hook"}
                ],
            }
        ],
    )
    code, out, err = invoke(columns, "run", config)
    text = flat(out)
    assert "column 'amount' has 1 null value" in text, out + err
    assert "column 'email' has 1 null value" in text
    assert "unique id" in text and "sample: 3" in text
    assert re.search(r"action (failure|error) notify \(webhook\)", text), out
    assert code == 2  # a failed action counts as a failure, whatever the validation said


@WIDTHS
def test_a_successful_run_whose_action_failed_exits_2(tmp_path: Path, columns: str) -> None:
    data = tmp_path / "ok.csv"
    data.write_text("id\n1\n2\n")
    action = {"type": "webhook", "name": "notify", "url": "http://127.0.0.1:1/hook"}
    config = write_config(
        tmp_path,
        [{"name": "ok", "data_source": str(data), "validators": ["null"], "actions": [action]}],
    )
    code, out, _ = invoke(columns, "run", config)
    assert code == 2, out
    assert re.search(r"action +(failure|error) +notify \(webhook\): \S", out), out
    if columns == "160":  # the table's outcome says it too (at 80 columns the cell folds)
        assert "all expectations met; action notify (webhook)" in out


@WIDTHS
def test_user_text_is_never_markup(tmp_path: Path, columns: str) -> None:
    config = write_config(
        tmp_path, [{"name": "[red]x", "data_source": "a.csv", "validators": ["[bold]nul"]}]
    )
    code, _, err = invoke(columns, "validate", config)
    assert code == 3
    assert "'[bold]nul'" in flat(err)

    broken = tmp_path / "broken.yaml"
    broken.write_text("checkpoints:\n  - name: a\n    validators: [null\n")
    code, _, err = invoke(columns, "validate", str(broken))
    assert code == 3
    assert "expected ',' or ']'" in flat(err)


@WIDTHS
def test_a_path_with_brackets_is_a_path_not_a_pattern(tmp_path: Path, columns: str) -> None:
    folder = tmp_path / "[red]"
    folder.mkdir()
    data = folder / "data[1].csv"
    data.write_text("id\n1\n2\n")
    config = write_config(
        folder, [{"name": "bracketed", "data_source": str(data), "validators": ["null"]}]
    )
    code, out, err = invoke(columns, "run", config)
    assert code == 0, out + err
    assert "all expectations met" in flat(out)
    code, out, _ = invoke(columns, "validate", config)
    assert code == 0 and "[red]/checkpoints.json" in flat(out)


@WIDTHS
def test_a_local_run_reports_rows_read_and_time_as_each_checkpoint_ends(
    tmp_path: Path, columns: str
) -> None:
    data = tmp_path / "big.csv"
    data.write_text("id\n" + "\n".join(str(n) for n in range(5000)) + "\n")
    config = write_config(
        tmp_path, [{"name": "big", "data_source": str(data), "validators": ["null"]}]
    )
    code, _, err = invoke(columns, "run", config)
    assert code == 0
    assert re.search(r"big: 5,000 rows read in \d+\.\d\d s, success", err), err
