from __future__ import annotations

from typer.testing import CliRunner

from producer.cli.app import app
from shared import __version__


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"checkfleet {__version__}"
    assert __version__ == "0.1.0"
