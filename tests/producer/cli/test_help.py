"""Every command's --help at 80 columns shows its text as written: brackets in a docstring
or an option's help (``[success|warning]``, ``[red]``) are never read as Rich markup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from producer.cli.app import app

#: A bracketed run of text, as Rich markup would read it as a tag.
BRACKETED = re.compile(r"\[[^\[\]\n]+\]")


def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path below `command` (typer's own click: groups have ``commands``)."""
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def own_texts(path: tuple[str, ...]) -> list[str]:
    """The help texts the command at `path` was written with: its own, its parameters'."""
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    texts = [command.help or "", command.epilog or ""]
    return texts + [getattr(param, "help", None) or "" for param in command.params]


def flat(text: str) -> str:
    return " ".join(text.split())


ALL_COMMANDS = list(commands(typer.main.get_command(app)))


def test_every_command_is_audited() -> None:
    names = {path[0] for path in ALL_COMMANDS if path}
    assert {"run", "results", "rerun", "stats", "dead", "cancel", "dashboard"} <= names
    assert ("dead", "requeue") in ALL_COMMANDS


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda path: " ".join(path) or "checkfleet")
def test_help_shows_brackets_as_written_at_80_columns(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    shown = flat(result.output)
    for text in own_texts(path):
        for bracketed in BRACKETED.findall(flat(text)):
            assert bracketed in shown, f"{bracketed!r} lost from: {result.output}"
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_bracketed_help_is_really_there() -> None:
    """The audit above checks something: some help texts do hold brackets."""
    found = [b for path in ALL_COMMANDS for t in own_texts(path) for b in BRACKETED.findall(t)]
    assert "[success|warning|failure|error]" in found
    assert "[all of them when none is named]" in found
