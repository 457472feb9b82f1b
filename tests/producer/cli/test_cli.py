"""`checkfleet scheduler` and `python -m producer`: options and start-up errors."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from producer.cli.app import app
from tests.support.processes import REPO_ROOT


def test_scheduler_command_documents_its_options() -> None:
    result = CliRunner().invoke(app, ["scheduler", "--help"])
    assert result.exit_code == 0
    for option in ("--poll-interval-s", "--claim-idle-s", "--no-requests", "--log-level"):
        assert option in result.output


def test_invalid_setting_exits_2_naming_the_variable() -> None:
    result = CliRunner().invoke(app, ["scheduler"], env={"CHECKFLEET_REDIS_URL": "http://nope"})
    assert result.exit_code == 2
    assert "CHECKFLEET_REDIS_URL: scheme must be one of" in result.output


def test_python_dash_m_producer_is_the_scheduler_command() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "producer", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "python -m producer" in completed.stdout and "--claim-idle-s" in completed.stdout
