"""`checkfleet history`: past runs from the results store, and what changed since the last."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from producer.cli.commands.common import JsonOption, fail, reported_errors, stderr, stdout
from producer.cli.render import outcome_of, print_json, status_text
from producer.client.history import RunHistory, parse_statuses, parse_when
from shared.models import CheckpointResult, CheckpointStatus
from shared.settings import Settings
from shared.store.diff import RunDiff


def history_command(
    name: Annotated[str | None, typer.Argument(help="Only this checkpoint's runs.")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", "-s", help="Only runs with this status (or a,b list)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Runs since a duration ago (24h, 7d) or a timestamp."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 20,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="What changed in NAME's latest run against the one before."),
    ] = False,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="The store's URL (default: CHECKFLEET_STORE_URL or .checkfleet/history.db).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show past runs, newest first, from the results store."""
    try:
        statuses = parse_statuses(status)
        since_time = None if since is None else parse_when(since)
    except ValueError as exc:
        fail(str(exc))
    if diff and name is None:
        fail("--diff needs a checkpoint NAME")
    with reported_errors():
        settings = Settings.from_env()
        history = RunHistory.open(store_url, settings=settings)
        if diff:
            assert name is not None
            changes = asyncio.run(_diff(history, name))
            if changes is None:
                fail(f"no run of checkpoint {name!r} in {history.store.location}")
            _show_diff(changes, as_json)
            return
        runs = asyncio.run(_runs(history, name, statuses, since_time, limit))
    if as_json:
        print_json(stdout(), [result.to_dict() for result in runs])
        return
    stdout().print(history_table(runs))
    stderr().print(Text(f"{len(runs)} run(s) from {history.store.location}"), highlight=False)


async def _runs(
    history: RunHistory,
    name: str | None,
    statuses: tuple[CheckpointStatus, ...],
    since: datetime | None,
    limit: int,
) -> list[CheckpointResult]:
    async with history:
        return await history.runs(name, status=statuses, since=since, limit=limit)


async def _diff(history: RunHistory, name: str) -> RunDiff | None:
    async with history:
        return await history.diff(name)


def history_table(runs: list[CheckpointResult]) -> Table:
    table = Table()
    table.add_column("run time (UTC)", style="dim", no_wrap=True)
    table.add_column("checkpoint", style="bold")
    table.add_column("status")
    table.add_column("rows", justify="right")
    table.add_column("issues", justify="right")
    table.add_column("run id", style="dim", overflow="fold")
    table.add_column("outcome", overflow="fold")
    for result in runs:
        table.add_row(
            f"{result.run_time:%Y-%m-%d %H:%M:%S}",
            Text(result.checkpoint_name),
            status_text(result.status),
            f"{result.row_count:,}",
            str(len(result.issues)),
            Text(result.run_id),
            Text(outcome_of(result)),
        )
    return table


def _show_diff(changes: RunDiff, as_json: bool) -> None:
    if as_json:
        print_json(stdout(), changes.to_dict())
        return
    console = stdout()
    current, previous = changes.current, changes.previous
    head = Text(f"{current.checkpoint_name} run {current.run_id}: ")
    head.append_text(status_text(current.status))
    if previous is None:
        head.append(" (its first run: nothing to compare with)")
        console.print(head)
        return
    head.append(f" against run {previous.run_id}: ")
    head.append_text(status_text(previous.status))
    console.print(head)
    for label, issues, mark in (
        ("new issues", changes.new_issues, "+"),
        ("resolved issues", changes.resolved_issues, "-"),
    ):
        console.print(Text(f"{label}: {len(issues)}", style="bold"))
        for issue in issues:
            console.print(Text(f"  {mark} [{issue.severity.value}] {issue.message}"))
    console.print(Text(f"figures that moved: {len(changes.moved_figures)}", style="bold"))
    for change in changes.moved_figures:
        console.print(
            Text(f"  {change.label}: {_number(change.before)} -> {_number(change.after)}")
        )


def _number(value: float | None) -> str:
    if value is None:
        return "(none)"
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1 else f"{value:.6g}"
