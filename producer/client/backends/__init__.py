"""Where a client's runs execute: in this process or on the worker fleet."""

from __future__ import annotations

from producer.client.backends.base import RunBackend, Ticket
from producer.client.backends.local import LocalBackend
from producer.client.backends.redis import RedisBackend
from producer.client.runner_config import BackendKind
from shared.catalog import CheckpointCatalog
from shared.settings import Settings
from shared.store import store_url_of

__all__ = [
    "BackendKind",
    "LocalBackend",
    "RedisBackend",
    "RunBackend",
    "Ticket",
    "chosen_backend",
    "make_backend",
]


def chosen_backend(kind: BackendKind | str, settings: Settings) -> BackendKind:
    """The backend `kind` stands for: ``auto`` is ``redis`` when CHECKFLEET_REDIS_URL is set,
    else ``local``."""
    kind = BackendKind(kind)
    if kind is BackendKind.AUTO:
        return BackendKind.REDIS if settings.redis_url_configured else BackendKind.LOCAL
    return kind


def make_backend(
    kind: BackendKind | str,
    *,
    settings: Settings | None = None,
    catalog: CheckpointCatalog | None = None,
    concurrency: int = 10,
    result_timeout_s: float | None = None,
) -> RunBackend:
    """The backend `kind` names (`chosen_backend`). The local backend records its runs in
    the results store (`shared.store.store_url_of`)."""
    settings = settings or Settings.from_env()
    if chosen_backend(kind, settings) is BackendKind.REDIS:
        return RedisBackend(settings, result_timeout_s=result_timeout_s)
    return LocalBackend(catalog=catalog, concurrency=concurrency, store_url=store_url_of(settings))
