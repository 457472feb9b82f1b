"""How the CLI shows results to people (rich) and to machines (JSON), and its exit codes.

User text (checkpoint names, messages, samples, paths, action errors) is only ever put in rich
`Text` objects, never in markup strings: ``[bold]nul`` is a validator's name, not a style.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from shared.models import ActionResult, ActionStatus, CheckpointResult, CheckpointStatus

#: Exit code of a command by the worst status it saw: 0 success, 1 warning, 2 failure, 3 error.
EXIT_CODES = {
    CheckpointStatus.SUCCESS: 0,
    CheckpointStatus.WARNING: 1,
    CheckpointStatus.FAILURE: 2,
    CheckpointStatus.ERROR: 3,
}
#: Exit code when the command itself could not do its job (bad config, no Redis...).
EXIT_ERROR = 3
#: A run whose action failed or errored counts at least as a failure for the exit code: the
#: check passed, but what should have followed it (an alert, a stored copy) did not happen.
EXIT_ACTION_FAILED = EXIT_CODES[CheckpointStatus.FAILURE]

STATUS_STYLES = {
    CheckpointStatus.SUCCESS: "bold green",
    CheckpointStatus.WARNING: "bold yellow",
    CheckpointStatus.FAILURE: "bold red",
    CheckpointStatus.ERROR: "bold magenta",
}
ACTION_STYLES = {
    ActionStatus.SUCCESS: "green",
    ActionStatus.SKIPPED: "dim",
    ActionStatus.FAILURE: "bold red",
    ActionStatus.ERROR: "bold magenta",
}
_FAILED_ACTIONS = (ActionStatus.FAILURE, ActionStatus.ERROR)
#: Sample values shown per issue in human output (``--json`` has them all).
SAMPLE_SHOWN = 5


def exit_code(statuses: Iterable[CheckpointStatus]) -> int:
    """The exit code of the worst status; 0 when there is none."""
    return max((EXIT_CODES[status] for status in statuses), default=0)


def failed_actions(result: CheckpointResult) -> list[ActionResult]:
    return [action for action in result.action_results if action.status in _FAILED_ACTIONS]


def results_exit_code(results: Iterable[CheckpointResult]) -> int:
    """The exit code of runs: the worst status, and at least `EXIT_ACTION_FAILED` when an
    action of any run failed or errored."""
    code = 0
    for result in results:
        code = max(code, EXIT_CODES[result.status])
        if failed_actions(result):
            code = max(code, EXIT_ACTION_FAILED)
    return code


def status_text(status: CheckpointStatus) -> Text:
    return Text(status.value, style=STATUS_STYLES[status])


def action_failure_text(action: ActionResult) -> str:
    why = action.error or action.message or "no reason given"
    return f"action {action.action_name} ({action.action_type}) {action.status.value}: {why}"


def outcome_of(result: CheckpointResult) -> str:
    """One line saying why the status is what it is, and any action that failed."""
    if result.error:
        line = result.error
    elif result.issues:
        worst = max(result.issues, key=lambda issue: issue.severity.rank)
        more = f" (+{len(result.issues) - 1} more)" if len(result.issues) > 1 else ""
        line = f"{worst.severity.value}: {worst.message}{more}"
    else:
        line = "all expectations met"
    failed = failed_actions(result)
    if failed:
        more = f" (+{len(failed) - 1} more)" if len(failed) > 1 else ""
        line += f"; {action_failure_text(failed[0])}{more}"
    return line


def result_table(results: Sequence[CheckpointResult], title: str | None = None) -> Group:
    """One row per run, then every issue and every action outcome of each run."""
    table = Table(title=Text(title) if title else None, show_lines=False)
    table.add_column("checkpoint", style="bold")
    table.add_column("status")
    table.add_column("rows", justify="right")
    table.add_column("issues", justify="right")
    table.add_column("ms", justify="right")
    table.add_column("outcome", overflow="fold")
    for result in results:
        table.add_row(
            Text(result.checkpoint_name),
            status_text(result.status),
            f"{result.row_count:,}",
            str(len(result.issues)),
            f"{result.duration_ms:.0f}",
            Text(outcome_of(result)),
        )
    details = [result_details(result) for result in results]
    return Group(table, *(detail for detail in details if detail.plain))


def result_details(result: CheckpointResult) -> Text:
    """Every issue (severity, validator, column, message, a few sample values) and every
    action (name, type, outcome, message or error) of a run; empty when it has neither."""
    text = Text()
    if not result.issues and not result.action_results:
        return text
    text.append(f"{result.checkpoint_name}", style="bold")
    text.append(f" run {result.run_id}\n", style="dim")
    for issue in sorted(result.issues, key=lambda issue: -issue.severity.rank):
        where = f" {issue.column}" if issue.column else ""
        text.append(f"  issue   {issue.severity.value:<8} ", style="yellow")
        text.append(f"{issue.validator}{where}: {issue.message}")
        if issue.sample:
            shown = ", ".join(repr(value) for value in issue.sample[:SAMPLE_SHOWN])
            more = f", +{len(issue.sample) - SAMPLE_SHOWN} more" if len(issue.sample) > 5 else ""
            text.append(f"  sample: {shown}{more}", style="dim")
        text.append("\n")
    for action in result.action_results:
        text.append("  action  ")
        text.append(f"{action.status.value:<8} ", style=ACTION_STYLES[action.status])
        text.append(f"{action.action_name} ({action.action_type})")
        said = action.error or action.message
        if said:
            text.append(f": {said}")
        text.append("\n")
    text.rstrip()
    return text


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
