"""The `checkfleet` command line: assembles the commands of `producer.cli.commands`."""

from __future__ import annotations

from collections.abc import Callable

import typer

from producer.cli.commands.archive import archive_command
from producer.cli.commands.cancel import cancel_command
from producer.cli.commands.common import HELP_MARKUP
from producer.cli.commands.dashboard import dashboard_command
from producer.cli.commands.dead import dead_app
from producer.cli.commands.demo import demo_command
from producer.cli.commands.enqueue import enqueue_command
from producer.cli.commands.history import history_command
from producer.cli.commands.init import init_command
from producer.cli.commands.rerun import rerun_command
from producer.cli.commands.results import results_command
from producer.cli.commands.run import run_command, validate_command
from producer.cli.commands.scheduler import scheduler_command
from producer.cli.commands.stats import stats_command
from producer.cli.commands.worker import worker_command
from shared import __version__
from shared.errors import SettingsError
from shared.logs import configure_logging
from shared.settings import ENVIRONMENT_VARIABLES, Settings

__all__ = ["app", "main"]

#: The commands, by the name they are called with; `dead` is a group of its own (added after).
COMMANDS: dict[str, Callable[..., None]] = {
    "run": run_command,
    "validate": validate_command,
    "init": init_command,
    "worker": worker_command,
    "scheduler": scheduler_command,
    "enqueue": enqueue_command,
    "results": results_command,
    "stats": stats_command,
    "archive": archive_command,
    "history": history_command,
    "demo": demo_command,
    "dashboard": dashboard_command,
    "cancel": cancel_command,
    "rerun": rerun_command,
}

app = typer.Typer(
    name="checkfleet",
    help="A distributed runner for data-quality checkpoints.",
    no_args_is_help=True,
    add_completion=False,
    epilog="Settings come from the environment: " + ", ".join(ENVIRONMENT_VARIABLES) + ".",
    rich_markup_mode=HELP_MARKUP,
)
for _name, _command in COMMANDS.items():
    app.command(_name)(_command)
app.add_typer(dead_app)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"checkfleet {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """A distributed runner for data-quality checkpoints."""
    try:
        configure_logging(Settings.from_env())
    except SettingsError:
        pass  # each command reports a bad setting in its own terms (and exit code)


def main() -> None:
    app()
