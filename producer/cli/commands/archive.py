"""`checkfleet archive`: copy the results stream into the results store, until stopped."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Annotated

import typer

from producer.cli.commands.common import fail
from producer.client.archive import ArchiveOptions, BatchHook, ResultArchiver
from shared.errors import CheckfleetError, ConfigError
from shared.logs import configure_logging
from shared.metrics import ArchiverMetrics
from shared.redis_connection import connect
from shared.settings import Settings
from shared.stopping import serving_until_signalled
from shared.store import open_store, store_url_of

logger = logging.getLogger(__name__)


def archive_command(
    consumer: Annotated[
        str | None,
        typer.Option(
            "--consumer",
            help="This archiver's name in the group (default: the host name); a restart under "
            "the same name resumes its unacknowledged results at once.",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=10_000, help="Results per transaction.")
    ] = 500,
    flush_interval_s: Annotated[
        float,
        typer.Option("--flush-interval-s", min=0.01, help="Longest wait before a partial batch."),
    ] = 0.5,
    claim_idle_s: Annotated[
        float,
        typer.Option(
            "--claim-idle-s", min=0.1, help="Take over results another archiver left this long."
        ),
    ] = 30.0,
) -> None:
    """Archive every result of the results stream into the store (CHECKFLEET_STORE_URL, by
    default .checkfleet/history.db), through the consumer group `<prefix>:archivers`: run as
    many as you like; each result is stored once. Stops on SIGTERM or SIGINT."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        fail(str(exc), code=2)
    configure_logging(settings)
    options = ArchiveOptions(
        consumer=consumer or socket.gethostname(),
        batch_size=batch_size,
        flush_interval_s=flush_interval_s,
        claim_idle_s=claim_idle_s,
    )
    try:
        asyncio.run(serve_archive(settings, options))
    except CheckfleetError as exc:
        fail(str(exc))


async def serve_archive(
    settings: Settings, options: ArchiveOptions, *, after_commit: BatchHook | None = None
) -> None:
    """Run one archiver until SIGTERM or SIGINT."""
    metrics = ArchiverMetrics()
    redis = connect(settings)
    try:
        with serving_until_signalled(metrics.registry, settings.metrics_port) as stop:
            async with open_store(store_url_of(settings)) as store:
                logger.info(
                    "archiving %s into %s as %s",
                    settings.keys.results,
                    store.location,
                    options.consumer,
                )
                archiver = ResultArchiver(
                    redis, store, settings, options, metrics=metrics, after_commit=after_commit
                )
                await archiver.run(stop)
    finally:
        await redis.aclose()
