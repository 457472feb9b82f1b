"""The dashboard's HTML, rendered on the server. Every user-supplied text (checkpoint names,
messages, samples, action details) goes through `escape`; the live list's script builds its
rows with ``textContent``, never as markup."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from html import escape

from producer.cli.dashboard.charts import line_chart, trend_strip
from producer.cli.dashboard.data import CheckpointHealth, Series
from producer.cli.dashboard.links import checkpoint_href, run_href
from producer.cli.render import outcome_of
from producer.client.control import rerun_of
from producer.client.dead_letters import DeadLetter
from shared.fleet import FleetStats, heartbeat_age_s
from shared.models import CheckpointResult


def layout(title: str, body: str, *, live: bool = False) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · checkfleet</title>"
        '<link rel=stylesheet href="/static/dashboard.css">'
        f'<script src="/static/dashboard.js" defer></script></head>'
        f'<body data-live="{"on" if live else "off"}">'
        '<header><a class=brand href="/">checkfleet</a>'
        '<nav><a href="/">fleet</a><a href="/dead">dead letters</a></nav></header>'
        f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def badge(status: str) -> str:
    return f'<span class="badge {escape(status, quote=True)}">{escape(status)}</span>'


def notice(text: str, kind: str = "note") -> str:
    return f'<p class="{kind}">{escape(text)}</p>'


def fleet_panel(stats: FleetStats | None, where: str, problem: str | None) -> str:
    """The fleet's figures (the same as ``checkfleet stats``); ids let the script refresh them."""
    if problem:
        return f"<section id=fleet>{notice(problem, 'problem')}</section>"
    if stats is None:
        return (
            "<section id=fleet>"
            + notice("no fleet: CHECKFLEET_REDIS_URL is not set; showing the results store only")
            + "</section>"
        )
    tiles = [
        ("queue-depth", "queue depth", stats.queue_depth),
        ("live-workers", "live workers", len(stats.workers)),
        ("in-progress", "runs in progress", stats.jobs_in_progress),
        ("dead-letters", "dead letters", stats.dead_letters),
        ("stream-length", "results on the stream", stats.results_stream_length),
    ]
    cells = "".join(
        f'<div class=tile><span class=figure id="{key}">{value}</span>{escape(label)}</div>'
        for key, label, value in tiles
    )
    workers = "".join(
        f"<tr><td>{escape(worker.worker_id)}</td><td>{heartbeat_age_s(worker):.0f}</td>"
        f"<td>{worker.jobs_in_progress}</td><td>{worker.jobs_done}</td></tr>"
        for worker in stats.workers
    )
    table = (
        "<table class=workers><thead><tr><th>worker</th><th>up s</th><th>in progress</th>"
        f"<th>done</th></tr></thead><tbody id=workers>{workers}</tbody></table>"
        if stats.workers
        else "<p class=note id=workers>no live worker</p>"
    )
    return (
        f"<section id=fleet><h2>fleet at {escape(where)}</h2><div class=tiles>{cells}</div>"
        f"{table}{running_table(stats)}</section>"
    )


def running_table(stats: FleetStats) -> str:
    """The runs in progress by id, longest running first; the script refreshes the body."""
    running = stats.runs_in_progress
    rows = "".join(
        f'<tr><td><a href="{run_href(run.run_id)}">{escape(run.run_id)}</a></td>'
        f"<td>{escape(run.worker_id)}</td>"
        f"<td>{'?' if run.running_s is None else f'{run.running_s:.0f}'}</td></tr>"
        for run in running.oldest
    )
    return (
        f"<h3>runs in progress (<span id=running-count>{len(running.oldest)} of "
        f"{running.total}</span>, longest running first)</h3>"
        "<table class=running><thead><tr><th>run id</th><th>worker</th><th>running s</th>"
        f"</tr></thead><tbody id=running>{rows}</tbody></table>"
    )


def health_grid(rows: Sequence[CheckpointHealth]) -> str:
    if not rows:
        return "<section id=health><h2>checkpoints</h2>" + notice("no runs yet") + "</section>"
    body = "".join(
        f'<tr data-checkpoint="{escape(row.name, quote=True)}">'
        f'<td><a href="{checkpoint_href(row.name)}">{escape(row.name)}</a></td>'
        f"<td>{badge(row.latest.status.value)}</td><td>{trend_strip(row.trend)}</td>"
        f'<td><a href="{run_href(row.latest.run_id)}">{row.latest.run_time:%Y-%m-%d %H:%M:%S}'
        f"</a></td><td class=num>{row.latest.row_count:,}</td>"
        f"<td class=num>{len(row.latest.issues)}</td>"
        f"<td>{escape(outcome_of(row.latest))}</td></tr>"
        for row in rows
    )
    return (
        "<section id=health><h2>checkpoints</h2><table class=grid><thead><tr><th>checkpoint</th>"
        "<th>latest</th><th>recent runs</th><th>last run (UTC)</th><th>rows</th><th>issues</th>"
        f"<th>outcome</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


def result_rows(results: Iterable[CheckpointResult]) -> str:
    return "".join(
        f'<li data-run="{escape(r.run_id, quote=True)}"><time>{r.run_time:%H:%M:%S}</time> '
        f'<a href="{run_href(r.run_id)}">{escape(r.checkpoint_name)}</a> '
        f"{badge(r.status.value)} <span class=outcome>{escape(outcome_of(r))}</span></li>"
        for r in results
    )


def live_list(results: Sequence[CheckpointResult], live: bool) -> str:
    state = "connecting..." if live else "not live: no fleet"
    return (
        f"<section id=recent><h2>latest results <small id=live-state>{escape(state)}</small></h2>"
        f"<ul id=live>{result_rows(results)}</ul></section>"
    )


def overview_page(
    stats: FleetStats | None,
    where: str,
    problem: str | None,
    health: Sequence[CheckpointHealth],
    recent: Sequence[CheckpointResult],
    store_note: str,
) -> str:
    live = stats is not None
    body = (
        fleet_panel(stats, where, problem)
        + health_grid(health)
        + live_list(recent, live)
        + notice(store_note)
    )
    return layout("fleet", body, live=live)


def _json(value: object) -> str:
    return escape(json.dumps(value, indent=2, sort_keys=True, default=str))


def issues_table(result: CheckpointResult) -> str:
    if not result.issues:
        return "<h2>issues</h2>" + notice("no issue: every expectation was met")
    rows = "".join(
        f"<tr><td>{escape(i.validator)}</td><td>{escape(i.column or '')}</td>"
        f"<td>{escape(i.issue_type)}</td><td>{badge(i.severity.value)}</td>"
        f"<td class=num>{i.count:,}</td><td class=num>{i.ratio:.2%}</td>"
        f"<td>{escape(i.message)}</td>"
        f"<td><code>{escape(', '.join(repr(value) for value in i.sample))}</code></td></tr>"
        for i in result.issues
    )
    return (
        f"<h2>issues ({len(result.issues)})</h2><table id=issues><thead><tr><th>validator</th>"
        "<th>column</th><th>type</th><th>severity</th><th>count</th><th>ratio</th>"
        f"<th>message</th><th>sample</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def actions_table(result: CheckpointResult) -> str:
    if not result.action_results:
        return "<h2>actions</h2>" + notice("no action ran")
    rows = "".join(
        f"<tr><td>{escape(a.action_name)}</td><td>{escape(a.action_type)}</td>"
        f"<td>{badge(a.status.value)}</td><td>{escape(a.message)}</td>"
        f"<td>{escape(a.error or '')}</td><td class=num>{a.duration_ms:.0f}</td>"
        f"<td><pre>{_json(a.details) if a.details else ''}</pre></td></tr>"
        for a in result.action_results
    )
    return (
        f"<h2>actions ({len(result.action_results)})</h2><table id=actions><thead><tr>"
        "<th>action</th><th>type</th><th>outcome</th><th>message</th><th>error</th>"
        f"<th>ms</th><th>details</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def controls(result: CheckpointResult, enabled: bool, message: str | None) -> str:
    done = notice(message, "done") if message else ""
    if not enabled:
        return done
    run_id = escape(result.run_id, quote=True)
    fields = (
        f'<input type=hidden name=run_id value="{run_id}">'
        '<input type=password name=token placeholder="token" required>'
    )
    return (
        f"{done}<div class=controls>"
        f'<form method=post action="/actions/cancel">{fields}<button>cancel</button></form>'
        f'<form method=post action="/actions/rerun">{fields}<button>run again</button></form>'
        "</div>"
    )


def run_page(result: CheckpointResult, controls_html: str) -> str:
    facts = [
        ("checkpoint", f'<a href="{checkpoint_href(result.checkpoint_name)}">'
         f"{escape(result.checkpoint_name)}</a>"),
        ("status", badge(result.status.value)),
        ("run id", f"<code>{escape(result.run_id)}</code>"),
        ("run time (UTC)", f"{result.run_time:%Y-%m-%d %H:%M:%S}"),
        ("data", escape(result.data_asset)),
        ("rows read", f"{result.row_count:,}"),
        ("duration", f"{result.duration_ms:.0f} ms"),
    ]  # fmt: skip
    repeated = rerun_of(result)
    if repeated is not None:
        facts.append(("re-run of", f'<a href="{run_href(repeated)}">{escape(repeated)}</a>'))
    if result.error:
        facts.append(("error", f'<span class="problem">{escape(result.error)}</span>'))
    summary = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in facts)
    body = (
        f"{controls_html}<table class=facts id=summary>{summary}</table>"
        + issues_table(result)
        + actions_table(result)
        + f"<h2>statistics</h2><pre id=statistics>{_json(result.statistics)}</pre>"
        + f"<h2>metadata</h2><pre>{_json(result.metadata)}</pre>"
    )
    return layout(f"run of {result.checkpoint_name}", body)


def checkpoint_page(
    name: str, runs: Sequence[CheckpointResult], series: Sequence[Series], store_note: str
) -> str:
    charts = "".join(line_chart(s.label, s.points) for s in series)
    body = (
        f"<section id=charts><h2>figures over time</h2><div class=charts>{charts}</div>"
        f"{notice(store_note)}</section>"
        f"<section><h2>runs</h2><ul class=runs>{result_rows(runs)}</ul></section>"
    )
    return layout(f"checkpoint {name}", body)


def dead_page(letters: Sequence[DeadLetter], problem: str | None, enabled: bool) -> str:
    if problem:
        return layout("dead letters", notice(problem, "problem"))
    if not letters:
        return layout("dead letters", notice("no dead letter"))
    rows = []
    for letter in letters:
        entry = escape(letter.entry_id, quote=True)
        requeue = (
            f'<form method=post action="/actions/requeue"><input type=hidden name=entry_id '
            f'value="{entry}"><input type=password name=token placeholder=token required>'
            "<button>requeue</button></form>"
            if enabled
            else ""
        )
        rows.append(
            f"<tr><td><code>{escape(letter.entry_id)}</code></td><td>{escape(letter.source)}</td>"
            f"<td>{escape(letter.reason)}</td><td><code>{escape(letter.payload_text()[:300])}"
            f"</code></td><td>{requeue}</td></tr>"
        )
    table = (
        "<table id=dead><thead><tr><th>entry</th><th>source</th><th>reason</th><th>payload</th>"
        f"<th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return layout("dead letters", table)


def not_found_page(what: str) -> str:
    return layout("not found", notice(what, "problem"))
