"""`checkfleet stats`: the state of a fleet, read from Redis."""

from __future__ import annotations

import asyncio

from rich.table import Table
from rich.text import Text

from producer.cli.commands.common import JsonOption, reported_errors, stderr, stdout
from producer.cli.commands.redis_access import command_redis
from producer.cli.render import print_json
from shared.fleet import FleetStats, heartbeat_age_s, read_fleet_stats
from shared.models import CheckpointStatus
from shared.redis_safety import check_redis_safety
from shared.redis_url import redacted
from shared.settings import Settings


def stats_command(as_json: JsonOption = False) -> None:
    """Queue depth, live workers, the runs in progress by id (the 50 longest running, with
    their worker and time so far, and how many there are) and recent results by status,
    overall and per checkpoint; warnings when Redis can lose runs (persistence off, an
    eviction policy)."""
    with reported_errors():
        settings = Settings.from_env()
        stats, warnings = asyncio.run(fetch_stats(settings))
    if as_json:
        print_json(stdout(), {**stats.to_dict(), "warnings": warnings})
        return
    stdout().print(stats_table(stats, redacted(settings.redis_url)))
    if stats.workers:
        stdout().print(workers_table(stats))
    if stats.runs_in_progress.total:
        stdout().print(running_table(stats))
    if stats.recent_by_checkpoint:
        stdout().print(checkpoints_table(stats))
    for warning in warnings:
        stderr().print(Text.assemble(("warning: ", "bold yellow"), warning), highlight=False)


async def fetch_stats(settings: Settings) -> tuple[FleetStats, list[str]]:
    async with command_redis(settings) as redis:
        return await read_fleet_stats(redis, settings.keys), await check_redis_safety(redis)


def stats_table(stats: FleetStats, where: str) -> Table:
    table = Table(title=Text(f"fleet at {where}"), show_header=False)
    table.add_column("figure", style="bold")
    table.add_column("value", justify="right")
    table.add_row("queue depth (waiting or running)", str(stats.queue_depth))
    table.add_row("live workers", str(len(stats.workers)))
    table.add_row("runs in progress", str(stats.jobs_in_progress))
    table.add_row("results stream length", str(stats.results_stream_length))
    table.add_row("dead letters", str(stats.dead_letters))
    recent = sum(stats.recent_results.values())
    for status in CheckpointStatus:
        table.add_row(f"recent {status.value} (of {recent})", str(stats.recent_results[status]))
    return table


def checkpoints_table(stats: FleetStats) -> Table:
    """The recent results of each checkpoint by status."""
    table = Table(title="recent results by checkpoint")
    table.add_column("checkpoint", style="bold")
    for status in CheckpointStatus:
        table.add_column(status.value, justify="right")
    for name, counts in stats.recent_by_checkpoint.items():
        table.add_row(
            Text(name), *(str(counts.get(status.value, 0)) for status in CheckpointStatus)
        )
    return table


def running_table(stats: FleetStats) -> Table:
    """The runs in progress by id, longest running first (at most `RUNS_IN_PROGRESS_SHOWN`)."""
    running = stats.runs_in_progress
    shown = len(running.oldest)
    title = "runs in progress" + (f" (the {shown} oldest of {running.total})"
                                  if shown < running.total else "")  # fmt: skip
    table = Table(title=title)
    table.add_column("run id", overflow="fold")
    table.add_column("worker", overflow="fold")
    table.add_column("running s", justify="right")
    for run in running.oldest:
        age = "?" if run.running_s is None else f"{run.running_s:.0f}"
        table.add_row(Text(run.run_id), Text(run.worker_id), age)
    return table


def workers_table(stats: FleetStats) -> Table:
    table = Table(title="workers")
    table.add_column("worker")
    table.add_column("up s", justify="right")
    table.add_column("in progress", justify="right")
    table.add_column("done", justify="right")
    for worker in stats.workers:
        table.add_row(
            Text(worker.worker_id),
            f"{heartbeat_age_s(worker):.0f}",
            str(worker.jobs_in_progress),
            str(worker.jobs_done),
        )
    return table
