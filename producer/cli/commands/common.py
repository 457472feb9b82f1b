"""What several commands share: the consoles, the help markup mode, option types and error
reporting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text
from typer.core import MarkupMode

from producer.cli.render import EXIT_ERROR
from shared.errors import CheckfleetError, SpecProblemsError

#: How typer renders help: None is click's plain text, so a docstring, option help or argument
#: showing ``[red]`` or ``[bold]`` prints them as written (typer's "rich" mode parses them as
#: Rich markup and drops them). Every `typer.Typer` of the CLI takes it.
HELP_MARKUP: MarkupMode = None


def stdout() -> Console:
    """Results and tables. Made per call, so COLUMNS and redirections in effect now apply."""
    # soft_wrap: a long result line stays one line in a log or a pipe
    return Console(soft_wrap=True)


def stderr() -> Console:
    """Progress and problems."""
    return Console(stderr=True)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """End the command: ``error: <message>`` on stderr (as written: never read as markup)."""
    stderr().print(Text.assemble(("error: ", "bold red"), message), highlight=False)
    raise typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Our exceptions end the command with a message and exit code 3, never a traceback."""
    try:
        yield
    except SpecProblemsError as exc:
        fail(f"{len(exc.problems)} problem(s):\n" + "\n".join(f"  {p}" for p in exc.problems))
    except CheckfleetError as exc:
        fail(str(exc))
