"""Where a client's runs execute: in this process or on the worker fleet."""

from __future__ import annotations

from producer.client.backends.base import RunBackend, Ticket
from producer.client.backends.local import LocalBackend
from producer.client.backends.redis import RedisBackend
from producer.client.runner_config import BackendKind
from shared.catalog import CheckpointCatalog
from shared.settings import Settings

__all__ = ["BackendKind", "LocalBackend", "RedisBackend", "RunBackend", "Ticket", "make_backend"]


def make_backend(
    kind: BackendKind | str,
    *,
    settings: Settings | None = None,
    catalog: CheckpointCatalog | None = None,
    concurrency: int = 10,
    result_timeout_s: float | None = None,
) -> RunBackend:
    """The backend `kind` names; ``auto`` is ``redis`` when CHECKFLEET_REDIS_URL is set."""
    settings = settings or Settings.from_env()
    kind = BackendKind(kind)
    if kind is BackendKind.AUTO:
        kind = BackendKind.REDIS if settings.redis_url_configured else BackendKind.LOCAL
    if kind is BackendKind.REDIS:
        return RedisBackend(settings, result_timeout_s=result_timeout_s)
    return LocalBackend(catalog=catalog, concurrency=concurrency)
