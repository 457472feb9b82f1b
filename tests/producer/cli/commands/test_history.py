"""`checkfleet history`: newest first, filters, --json, --diff, and bad input as one line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from producer.cli.app import app
from shared.models import CheckpointStatus
from shared.store import open_store
from tests.support.history import issue, run_at


@pytest.fixture
def store_file(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'history.db'}"

    async def fill() -> None:
        async with open_store(url) as store:
            await store.record(
                [
                    run_at(0),
                    run_at(1, status=CheckpointStatus.FAILURE, issues=[issue()], rows=900),
                    run_at(2, name="users"),
                ]
            )

    asyncio.run(fill())
    return url


def history(store_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["history", *args], env={"CHECKFLEET_STORE_URL": store_url, "COLUMNS": "200"}
    )
    return result.exit_code, result.output


def test_history_is_newest_first(store_file: str) -> None:
    code, output = history(store_file)
    assert code == 0, output
    rows = [line for line in output.splitlines() if "orders-" in line or "users-" in line]
    assert ["users-2" in rows[0], "orders-1" in rows[1], "orders-0" in rows[2]] == [True] * 3
    assert "failure" in rows[1] and "has 3 null values" in rows[1]
    assert "3 run(s) from sqlite:///" in output


def test_history_filters_and_json(store_file: str) -> None:
    code, output = history(store_file, "orders", "--status", "failure", "--json")
    assert code == 0, output
    assert [run["run_id"] for run in json.loads(output)] == ["orders-1"]
    code, output = history(store_file, "--since", "2026-01-05T08:01:30", "--json")
    assert [run["run_id"] for run in json.loads(output)] == ["users-2"]
    code, output = history(store_file, "--limit", "1", "--json")
    assert [run["run_id"] for run in json.loads(output)] == ["users-2"]


def test_history_diff(store_file: str) -> None:
    code, output = history(store_file, "orders", "--diff")
    assert code == 0, output
    assert "orders run orders-1: failure against run orders-0: success" in output
    assert "new issues: 1" in output and "+ [high] column 'email' has 3 null values" in output
    assert "run.row_count: 1,000 -> 900" in output
    code, output = history(store_file, "orders", "--diff", "--json")
    assert json.loads(output)["previous_run_id"] == "orders-0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "neither a duration"),
        (["--status", "broken"], "unknown status 'broken'"),
        (["--diff"], "--diff needs a checkpoint NAME"),
        (["nobody", "--diff"], "no run of checkpoint 'nobody'"),
    ],
)
def test_bad_input_is_one_clear_line(store_file: str, args: list[str], message: str) -> None:
    code, output = history(store_file, *args)
    assert code == 3
    assert message in output and "Traceback" not in output
