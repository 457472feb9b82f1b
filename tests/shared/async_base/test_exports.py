"""The public API of `shared.async_base`: every name the seed page imports from its
``async_base`` module, and an `__all__` that matches what the package really exports."""

from __future__ import annotations

import importlib

import shared.actions
import shared.async_base

SEED_ASYNC_BASE_NAMES = {
    "AsyncBaseAction",
    "ActionConfig",
    "AsyncBaseTrigger",
    "TriggerConfig",
    "TriggerResult",
    "AsyncExecutable",
    "SyncExecutable",
    "SyncActionAdapter",
    "adapt_to_async",
    "SequentialStrategy",
    "ConcurrentStrategy",
    "PipelineStrategy",
    "AsyncExecutionContext",
    "with_retry",
    "with_timeout",
    "with_semaphore",
    "ActionResult",
    "ActionStatus",
}


def test_every_seed_name_is_importable_from_async_base() -> None:
    module = importlib.import_module("shared.async_base")
    missing = {name for name in SEED_ASYNC_BASE_NAMES if not hasattr(module, name)}
    assert not missing
    assert SEED_ASYNC_BASE_NAMES <= set(shared.async_base.__all__)


def test_all_lists_exactly_the_public_names() -> None:
    for module in (shared.async_base, shared.actions):
        exported = set(module.__all__)
        assert all(hasattr(module, name) for name in exported)
        assert len(exported) == len(module.__all__)  # no duplicates


def test_actions_exports_the_builtins() -> None:
    assert {
        "SlackNotification",
        "WebhookAction",
        "StoreResult",
        "CustomAction",
        "EmailNotification",
    } <= set(shared.actions.__all__)
