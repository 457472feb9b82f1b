"""The validation engine: one checkpoint's data validated in one polars pass.

`validate_checkpoint` is the plain synchronous function the async layers run in a worker
thread; `error_result` builds an ``error`` result the same way everywhere.
"""

from __future__ import annotations

from shared.validation.engine import evaluate_scan, validate_checkpoint
from shared.validation.outcome import decide_status, error_result, keep_issues, run_metadata
from shared.validation.plan import ENGINE, ScanPlan, plan_scan, run_scan

__all__ = [
    "ENGINE",
    "ScanPlan",
    "decide_status",
    "error_result",
    "evaluate_scan",
    "keep_issues",
    "plan_scan",
    "run_metadata",
    "run_scan",
    "validate_checkpoint",
]
