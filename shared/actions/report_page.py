"""The HTML of `HtmlReport`: one page, inline CSS and SVG, every text escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from shared.models import CheckpointResult, CheckpointStatus

FigureKey = tuple[str, str, str]

_COLOURS = {
    CheckpointStatus.SUCCESS: "#1a7f37",
    CheckpointStatus.WARNING: "#9a6700",
    CheckpointStatus.FAILURE: "#cf222e",
    CheckpointStatus.ERROR: "#8250df",
}

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.status { color: #fff; padding: .1rem .5rem; border-radius: .3rem; font-weight: 600; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #f6f8fa; padding: 0 .2rem; }
.note { color: #57606a; }
"""


def render_report(
    result: CheckpointResult,
    trends: Mapping[FigureKey, Sequence[tuple[str, float]]],
    trend_note: str,
) -> str:
    """The whole page of `result`, with a trend line for each figure in `trends`."""
    colour = _COLOURS[result.status]
    title = f"{result.checkpoint_name} - {result.status.value}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Checkpoint <code>{escape(result.checkpoint_name)}</code> "
        f'<span class="status" id="status" style="background:{colour}">'
        f"{escape(result.status.value)}</span></h1>",
        f'<p class="note">run <code id="run-id">{escape(result.run_id)}</code> at '
        f"{escape(result.run_time.isoformat())}, {result.duration_ms:,.0f} ms; data "
        f"<code>{escape(result.data_asset or '-')}</code>, {result.row_count:,} rows</p>",
    ]
    if result.error:
        parts.append(f'<p id="error"><strong>error:</strong> {escape(result.error)}</p>')
    parts += _issues(result)
    parts += _figures(trends, result.run_id, trend_note)
    parts += _actions(result)
    parts.append("</body></html>")
    return "\n".join(parts)


def _issues(result: CheckpointResult) -> list[str]:
    rows = [
        "<tr>"
        f"<td>{escape(issue.severity.value)}</td><td>{escape(issue.validator)}</td>"
        f"<td>{escape(issue.column or '')}</td><td>{escape(issue.issue_type)}</td>"
        f'<td class="number">{issue.count:,}</td><td class="number">{issue.ratio:.2%}</td>'
        f"<td>{escape(issue.message)}</td>"
        f"<td>{', '.join(f'<code>{escape(repr(value))}</code>' for value in issue.sample)}</td>"
        "</tr>"
        for issue in sorted(result.issues, key=lambda issue: -issue.severity.rank)
    ]
    head = f"<h2>Issues ({len(result.issues)})</h2>"
    if not rows:
        return [head, '<p id="no-issues">No issue: every expectation was met.</p>']
    return [
        head,
        '<table id="issues"><tr><th>severity</th><th>validator</th><th>column</th><th>type</th>'
        "<th>count</th><th>ratio</th><th>message</th><th>sample</th></tr>",
        *rows,
        "</table>",
    ]


def _figures(
    trends: Mapping[FigureKey, Sequence[tuple[str, float]]], run_id: str, note: str
) -> list[str]:
    rows = []
    for (validator, column, metric), points in sorted(trends.items()):
        current = next((value for point_run, value in points if point_run == run_id), None)
        shown = "" if current is None else f"{current:,.6g}"
        rows.append(
            f'<tr class="figure"><td>{escape(validator)}</td><td>{escape(column)}</td>'
            f'<td>{escape(metric)}</td><td class="number">{shown}</td>'
            f'<td>{_sparkline(points)}</td><td class="number">{len(points)}</td></tr>'
        )
    return [
        f"<h2>Figures ({len(rows)})</h2>",
        f'<p class="note" id="trend-note">{escape(note)}</p>',
        '<table id="figures"><tr><th>validator</th><th>column</th><th>metric</th>'
        "<th>this run</th><th>trend</th><th>runs</th></tr>",
        *rows,
        "</table>",
    ]


def _sparkline(points: Sequence[tuple[str, float]], width: int = 160, height: int = 28) -> str:
    """An inline SVG polyline of the values; its title lists them for people and tests."""
    values = [value for _, value in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(1, len(values) - 1)
    coordinates = " ".join(
        f"{index * step:.1f},{height - 2 - (value - low) / span * (height - 4):.1f}"
        for index, value in enumerate(values)
    )
    listing = ", ".join(f"{value:.6g}" for value in values)
    return (
        f'<svg class="trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' role="img"><title>{escape(listing)}</title>'
        f'<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="{coordinates}"/>'
        "</svg>"
    )


def _actions(result: CheckpointResult) -> list[str]:
    if not result.action_results:
        return []
    rows = [
        f"<tr><td>{escape(action.action_name)}</td><td>{escape(action.action_type)}</td>"
        f"<td>{escape(action.status.value)}</td><td>{escape(action.message)}</td></tr>"
        for action in result.action_results
    ]
    return [
        "<h2>Actions</h2>",
        '<table id="actions"><tr><th>action</th><th>type</th><th>status</th><th>message</th></tr>',
        *rows,
        "</table>",
    ]
