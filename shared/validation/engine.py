"""`validate_checkpoint`: one checkpoint run's validation, a plain synchronous function.

The async layers run it in a worker thread. It never raises for bad input: a configuration
problem, a missing or corrupt source, an unknown column or a cancelled run gives a result
with status ``error`` whose message names the checkpoint, the source and the cause.

Cancellation is checked before the data is read, between planning and scanning, and between
the scan and the evaluation: polars cannot interrupt a scan midway, so a cancel during an
in-thread scan takes effect when it ends and the result is discarded. Workers pass a
`scanner` (`shared.validation.scan_process.ScanProcesses`) that runs large scans in a child
process, killed at once on cancel.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl
from pydantic import JsonValue

from shared.errors import CheckfleetError, RunCancelledError, SourceError
from shared.models import CheckpointResult, ValidationIssue, utc_now
from shared.pushdown import pushed_down_row
from shared.sources import DataSource, read_source, resolve_source
from shared.validation.kept_plans import KEPT_PLANS
from shared.validation.outcome import decide_status, error_result, keep_issues, run_metadata
from shared.validation.plan import ROW_COUNT_COLUMN, ScanPlan, local_values, plan_scan, run_scan

if TYPE_CHECKING:
    from shared.checkpoint import Checkpoint
    from shared.validators.history import PastRuns

logger = logging.getLogger(__name__)


def _check_cancel(cancel: threading.Event | None, stage: str) -> None:
    if cancel is not None and cancel.is_set():
        raise RunCancelledError(f"run cancelled {stage}")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def validate_checkpoint(
    checkpoint: Checkpoint,
    *,
    run_id: str,
    context: Mapping[str, Any] | None = None,
    cancel: threading.Event | None = None,
    history: PastRuns | None = None,
    scanner: Callable[[ScanPlan, threading.Event | None], dict[str, Any]] | None = None,
) -> CheckpointResult:
    """Validate `checkpoint`'s data: one scan, then each validator's judgement. `history`
    gives validators that compare with earlier runs (a bare ``distribution``) those runs;
    `scanner` runs the scan (default: here, in this thread)."""
    started = time.perf_counter()
    run_time = utc_now()

    source: DataSource | None = None

    def failed(message: str) -> CheckpointResult:
        return error_result(
            checkpoint,
            run_id=run_id,
            message=source.redact(message) if source is not None else message,
            context=context,
            duration_ms=(time.perf_counter() - started) * 1000,
            run_time=run_time,
            source=source.label if source is not None else None,
        )

    try:
        problems = checkpoint.validate()
        if problems:
            listing = "; ".join(str(problem) for problem in problems)
            return failed(f"invalid configuration: {listing}")
        source = resolve_source(checkpoint.data_source, context=context)
        _check_cancel(cancel, "before reading the data")
        frame = read_source(source)  # every run: the data roots of an inline spec judge it
        plan = KEPT_PLANS.get(checkpoint, frame)
        if plan is None:
            validators = [validator.fresh() for validator in checkpoint.validators]
            for validator in validators:
                validator.use_history(history, checkpoint.name)
            plan = plan_scan(source, validators, frame=frame)
            KEPT_PLANS.keep(checkpoint, frame, plan)
        _check_cancel(cancel, "before the scan")
        row = KEPT_PLANS.scanned(checkpoint, frame)
        if row is None:
            row = _scan(source, plan, scanner, cancel)
            KEPT_PLANS.keep_scanned(checkpoint, frame, plan, row)
        _check_cancel(cancel, "after the scan, before the evaluation")
        issues, statistics = evaluate_scan(plan, row)
    except SourceError as exc:
        return failed(exc.problem)
    except CheckfleetError as exc:
        return failed(str(exc))
    except (pl.exceptions.PolarsError, OSError) as exc:
        return failed(f"cannot read the data: {_first_line(exc)}")
    except BaseException as exc:  # the job boundary: a validator bug (even a SystemExit)
        # must not kill the worker; this runs in a pool thread, so no cancellation lands here
        logger.exception("validation of checkpoint %r crashed", checkpoint.name)
        return failed(f"unexpected {type(exc).__name__}: {_first_line(exc)}")
    kept = keep_issues(issues, checkpoint.severity_floor)
    return _completed_result(
        checkpoint, run_id, run_time, started, plan, row, kept, statistics, context, source.label
    )


def _scan(
    source: DataSource,
    plan: ScanPlan,
    scanner: Callable[[ScanPlan, threading.Event | None], dict[str, Any]] | None,
    cancel: threading.Event | None,
) -> Mapping[str, Any]:
    # A SQL source computes the plan in its database when it can (shared.pushdown).
    pushed = pushed_down_row(source, plan)
    if pushed is not None:
        return pushed
    return run_scan(plan) if scanner is None else scanner(plan, cancel)


def _completed_result(
    checkpoint: Checkpoint,
    run_id: str,
    run_time: datetime,
    started: float,
    plan: ScanPlan,
    row: Mapping[str, Any],
    issues: list[ValidationIssue],
    statistics: dict[str, JsonValue],
    context: Mapping[str, Any] | None,
    source_label: str,
) -> CheckpointResult:
    return CheckpointResult(
        run_id=run_id,
        checkpoint_name=checkpoint.name,
        run_time=run_time,
        status=decide_status(
            issues,
            fail_on_critical=checkpoint.fail_on_critical,
            fail_on_high=checkpoint.fail_on_high,
        ),
        data_asset=source_label,
        row_count=int(row[ROW_COUNT_COLUMN]),
        issues=issues,
        statistics=statistics,
        duration_ms=(time.perf_counter() - started) * 1000,
        metadata=run_metadata(checkpoint, context),
    )


def evaluate_scan(
    plan: ScanPlan, row: Mapping[str, Any]
) -> tuple[list[ValidationIssue], dict[str, JsonValue]]:
    """Every validator's issues, and the statistics: row count, column types and, per
    validator, its figures (``{"validator": name, "figures": {...}}`` in list order)."""
    row_count = int(row[ROW_COUNT_COLUMN])
    issues: list[ValidationIssue] = []
    figures: list[JsonValue] = []
    for part in plan.validators:
        # A validator with a `where` filter judged only its rows: its ratios are of those.
        judged = int(row[part.rows_alias])
        evaluation = part.validator.evaluate(local_values(part, row), judged)
        issues.extend(evaluation.issues)
        figures.append({"validator": part.validator.name, "figures": evaluation.figures})
    statistics: dict[str, JsonValue] = {
        "row_count": row_count,
        "columns": {name: str(dtype) for name, dtype in plan.schema.items()},
        "validators": figures,
    }
    return issues, statistics
