"""Each public module's `__all__` names exactly what it exports, and the brief's names exist."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "module_name", ["shared.validation", "shared.validators", "shared.sources", "shared.checkpoint"]
)
def test_all_names_exist(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []
    assert sorted(module.__all__) == sorted(set(module.__all__))


def test_interface_names() -> None:
    from shared.checkpoint import Checkpoint, CheckpointResult, CheckpointStatus
    from shared.definitions import load_checkpoints
    from shared.models import CheckpointResult as ModelResult
    from shared.validation import error_result, validate_checkpoint
    from shared.validators import VALIDATORS

    assert CheckpointResult is ModelResult and CheckpointStatus.ERROR.value == "error"
    assert callable(validate_checkpoint) and callable(error_result) and callable(load_checkpoints)
    assert hasattr(Checkpoint, "add_action") and hasattr(Checkpoint, "add_trigger")
    assert set(VALIDATORS.names()) >= {
        "null",
        "not_null",
        "range",
        "between",
        "unique",
        "regex",
        "in_set",
        "schema",
        "row_count",
        "freshness",
        "distribution",
        "completeness",
    }
