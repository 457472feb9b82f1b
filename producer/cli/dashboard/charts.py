"""Charts as inline SVG, drawn on the server: no chart library, nothing to download.

`trend_strip` is the health grid's row of recent runs (one square per run, coloured by status,
each a link to its run); `line_chart` one figure over time with its axis labels. Every text in
the SVG is escaped; values are formatted with `format_value`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from producer.cli.dashboard.links import run_href
from shared.models import CheckpointResult

SQUARE = 12
GAP = 3
WIDTH = 560
HEIGHT = 160
MARGIN_LEFT = 56
MARGIN_BOTTOM = 22
MARGIN_TOP = 10


def format_value(value: float) -> str:
    """A figure for an axis or a tooltip: whole numbers without decimals, others with 3
    significant digits."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.3g}"


def trend_strip(runs: Sequence[CheckpointResult]) -> str:
    """One square per run, oldest on the left, each linking to its run page."""
    width = max(1, len(runs)) * (SQUARE + GAP)
    squares = []
    for index, run in enumerate(runs):
        x = index * (SQUARE + GAP)
        title = escape(f"{run.run_time:%Y-%m-%d %H:%M:%S} {run.status.value} run {run.run_id}")
        squares.append(
            f'<a href="{run_href(run.run_id)}">'
            f'<rect class="run {run.status.value}" x="{x}" y="0" width="{SQUARE}" '
            f'height="{SQUARE}" rx="2"><title>{title}</title></rect></a>'
        )
    return (
        f'<svg class="trend" width="{width}" height="{SQUARE}" viewBox="0 0 {width} {SQUARE}" '
        f'role="img" aria-label="recent runs">{"".join(squares)}</svg>'
    )


def line_chart(label: str, points: Sequence[tuple[datetime, float, str]]) -> str:
    """A line with a dot per run (linking to it), min and max on the y axis, first and last
    times on the x axis."""
    title = escape(label)
    if not points:
        return f'<figure class="chart"><figcaption>{title}</figcaption><p>no data</p></figure>'
    values = [value for _t, value, _r in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    plot_w = WIDTH - MARGIN_LEFT - 10
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    step = plot_w / max(1, len(points) - 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        x = MARGIN_LEFT + (index * step if len(points) > 1 else plot_w / 2)
        y = MARGIN_TOP + plot_h - (value - low) / span * plot_h
        return round(x, 1), round(y, 1)

    coords = [xy(index, value) for index, value in enumerate(values)]
    path = " ".join(f"{x},{y}" for x, y in coords)
    dots = "".join(
        f'<a href="{run_href(run_id)}"><circle cx="{x}" cy="{y}" r="3">'
        f"<title>{escape(f'{when:%Y-%m-%d %H:%M:%S}: {format_value(value)}')}</title>"
        "</circle></a>"
        for (x, y), (when, value, run_id) in zip(coords, points, strict=True)
    )
    bottom = HEIGHT - MARGIN_BOTTOM
    axes = (
        f'<line class="axis" x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" '
        f'y2="{bottom}"/><line class="axis" x1="{MARGIN_LEFT}" y1="{bottom}" '
        f'x2="{WIDTH - 10}" y2="{bottom}"/>'
        f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 8}" text-anchor="end">'
        f"{escape(format_value(high))}</text>"
        f'<text x="{MARGIN_LEFT - 4}" y="{bottom}" text-anchor="end">'
        f"{escape(format_value(low))}</text>"
        f'<text x="{MARGIN_LEFT}" y="{HEIGHT - 6}">{points[0][0]:%m-%d %H:%M}</text>'
        f'<text x="{WIDTH - 10}" y="{HEIGHT - 6}" text-anchor="end">'
        f"{points[-1][0]:%m-%d %H:%M}</text>"
    )
    return (
        f'<figure class="chart"><figcaption>{title}</figcaption>'
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{title}">{axes}<polyline points="{path}"/>{dots}</svg></figure>'
    )
