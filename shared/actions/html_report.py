"""`HtmlReport`: a static, self-contained HTML page of a run, written like `StoreResult`
(``<directory>/<checkpoint>/<YYYY-MM-DD>/<run_id>.html``, atomically).

The page has the run's status, its issues with their samples, every figure, and the trend
of each figure over the checkpoint's latest runs when the results store is at hand (the
execution context's `history`): an inline SVG line per figure, no script, no external file,
so it can be mailed, archived or opened from disk. Every user-supplied text is escaped.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from pydantic import Field

from shared.actions.report_page import render_report
from shared.actions.store import StoreResult, StoreResultConfig, write_atomically
from shared.async_base.context import current_context
from shared.models import ActionResult, ActionStatus, CheckpointResult
from shared.store import FigureQuery
from shared.store.rows import figure_rows

FigureKey = tuple[str, str, str]  # validator, column, metric


class HtmlReportConfig(StoreResultConfig):
    directory: str = Field(min_length=1, default="reports")
    #: How many of the checkpoint's latest runs the trends show.
    trend_runs: int = Field(default=30, ge=2, le=1000)


class HtmlReport(StoreResult):
    """Write the run as one HTML file."""

    action_type = "html_report"
    suffix = ".html"

    @classmethod
    def _default_config(cls) -> HtmlReportConfig:
        return HtmlReportConfig()

    async def _execute_async(self, checkpoint_result: CheckpointResult) -> ActionResult:
        trends, trend_note = await self._trends(checkpoint_result)
        page = render_report(checkpoint_result, trends, trend_note)
        path = self.target_path(checkpoint_result)
        await asyncio.to_thread(write_atomically, path, page)
        return self._result(
            ActionStatus.SUCCESS, f"report written to {path}", details={"path": str(path)}
        )

    async def _trends(
        self, result: CheckpointResult
    ) -> tuple[dict[FigureKey, list[tuple[str, float]]], str]:
        """Each figure's (run id, value) points, oldest first, ending with this run."""
        series: dict[FigureKey, list[tuple[str, float]]] = defaultdict(list)
        context = current_context()
        history = None if context is None else context.history
        note = "no results store configured: trends show this run only"
        if history is not None:
            config: HtmlReportConfig = self._config  # type: ignore[assignment]
            points = await history.figures(
                FigureQuery(result.checkpoint_name, runs=config.trend_runs)
            )
            for point in points:
                if point.run_id != result.run_id:
                    series[(point.validator, point.column, point.metric)].append(
                        (point.run_id, point.value)
                    )
            note = f"trends over the latest {config.trend_runs} runs from {history.location}"
        for row in figure_rows(result):
            series[(row.validator, row.column, row.metric)].append((result.run_id, row.value))
        return dict(series), note
