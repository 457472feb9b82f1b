"""How the CLI shows results to people (rich) and to machines (JSON), and its exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from shared.models import CheckpointResult, CheckpointStatus

#: Exit code of a command by the worst status it saw: 0 success, 1 warning, 2 failure, 3 error.
EXIT_CODES = {
    CheckpointStatus.SUCCESS: 0,
    CheckpointStatus.WARNING: 1,
    CheckpointStatus.FAILURE: 2,
    CheckpointStatus.ERROR: 3,
}
#: Exit code when the command itself could not do its job (bad config, no Redis...).
EXIT_ERROR = 3

STATUS_STYLES = {
    CheckpointStatus.SUCCESS: "bold green",
    CheckpointStatus.WARNING: "bold yellow",
    CheckpointStatus.FAILURE: "bold red",
    CheckpointStatus.ERROR: "bold magenta",
}


def exit_code(statuses: Iterable[CheckpointStatus]) -> int:
    """The exit code of the worst status; 0 when there is none."""
    return max((EXIT_CODES[status] for status in statuses), default=0)


def status_text(status: CheckpointStatus) -> Text:
    return Text(status.value, style=STATUS_STYLES[status])


def outcome_of(result: CheckpointResult) -> str:
    """One line saying why the status is what it is."""
    if result.error:
        return result.error
    if result.issues:
        worst = max(result.issues, key=lambda issue: issue.severity.rank)
        more = f" (+{len(result.issues) - 1} more)" if len(result.issues) > 1 else ""
        return f"{worst.severity.value}: {worst.message}{more}"
    return "all expectations met"


def result_table(results: Sequence[CheckpointResult], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("checkpoint", style="bold")
    table.add_column("status")
    table.add_column("rows", justify="right")
    table.add_column("issues", justify="right")
    table.add_column("ms", justify="right")
    table.add_column("outcome", overflow="fold")
    for result in results:
        table.add_row(
            result.checkpoint_name,
            status_text(result.status),
            f"{result.row_count:,}",
            str(len(result.issues)),
            f"{result.duration_ms:.0f}",
            outcome_of(result),
        )
    return table


def result_line(
    result: CheckpointResult, entry_id: str | None = None, *, run_id: bool = True
) -> Text:
    """One line per result, for streams of results (``results --follow``, the demo)."""
    line = Text()
    if entry_id:
        line.append(f"{entry_id} ", style="dim")
    line.append(f"{result.run_time:%H:%M:%S} ", style="dim")
    line.append(f"{result.checkpoint_name:<16} ", style="bold")
    line.append_text(status_text(result.status))
    line.append(" " * (8 - len(result.status.value)))
    if run_id:
        line.append(f"run={result.run_id} ", style="dim")
    line.append(f"{result.duration_ms:5.0f} ms  {outcome_of(result)}")
    return line


def print_json(console: Console, value: Any) -> None:
    """Plain JSON on stdout, no markup or wrapping: for machines."""
    console.file.write(json.dumps(value, default=str) + "\n")
    console.file.flush()
