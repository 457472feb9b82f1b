// checkfleet dashboard: live results (server-sent events) and fleet figures (polled JSON).
// Plain browser JavaScript, no build step. User text is only ever set as textContent.
"use strict";

const MAX_LIVE_ROWS = 100;
const FLEET_POLL_MS = 5000;

function badge(status) {
  const span = document.createElement("span");
  span.className = "badge " + status;
  span.textContent = status;
  return span;
}

function resultRow(result) {
  const li = document.createElement("li");
  li.dataset.run = result.run_id;
  li.className = "fresh";
  const time = document.createElement("time");
  time.textContent = (result.run_time || "").slice(11, 19);
  const link = document.createElement("a");
  link.href = "/runs/" + encodeURIComponent(result.run_id);
  link.textContent = result.checkpoint;
  const outcome = document.createElement("span");
  outcome.className = "outcome";
  outcome.textContent = result.outcome;
  li.append(time, " ", link, " ", badge(result.status), " ", outcome);
  return li;
}

function gridRow(name) {
  const body = document.querySelector("#health tbody");
  if (!body) return null;
  for (const row of body.rows) {
    if (row.dataset.checkpoint === name) return row;
  }
  // a checkpoint that had no run when the page loaded: a row of its own
  const row = body.insertRow();
  row.dataset.checkpoint = name;
  for (let i = 0; i < 7; i++) row.insertCell();
  const link = document.createElement("a");
  link.href = "/checkpoints/" + encodeURIComponent(name);
  link.textContent = name;
  row.cells[0].append(link);
  return row;
}

function updateGrid(result) {
  const row = gridRow(result.checkpoint);
  if (!row) return;
  row.cells[1].replaceChildren(badge(result.status));
  const when = document.createElement("a");
  when.href = "/runs/" + encodeURIComponent(result.run_id);
  when.textContent = (result.run_time || "").slice(0, 19).replace("T", " ");
  row.cells[3].replaceChildren(when);
  row.cells[4].textContent = (result.rows ?? "").toLocaleString();
  row.cells[5].textContent = String(result.issues ?? "");
  row.cells[6].textContent = result.outcome;
}

function setState(text) {
  const state = document.getElementById("live-state");
  if (state) state.textContent = text;
}

function followResults() {
  const list = document.getElementById("live");
  if (!list) return;
  const source = new EventSource("/events");
  source.addEventListener("ready", () => setState("live"));
  source.addEventListener("offline", (event) => {
    setState("not live: " + JSON.parse(event.data).reason);
    source.close();
  });
  source.addEventListener("result", (event) => {
    const result = JSON.parse(event.data);
    list.prepend(resultRow(result));
    while (list.children.length > MAX_LIVE_ROWS) list.lastElementChild.remove();
    updateGrid(result);
  });
  source.onerror = () => setState("reconnecting...");
}

// The runs in progress by id (text only: run ids and worker ids are never markup).
function showRunning(running) {
  const body = document.getElementById("running");
  const count = document.getElementById("running-count");
  if (!body || !running) return;
  const rows = running.oldest.map((run) => {
    const row = document.createElement("tr");
    const link = document.createElement("a");
    link.href = "/runs/" + encodeURIComponent(run.run_id);
    link.textContent = run.run_id;
    const cells = [link, run.worker_id,
      run.running_s === null ? "?" : String(Math.round(run.running_s))];
    for (const content of cells) {
      const cell = document.createElement("td");
      if (typeof content === "string") cell.textContent = content;
      else cell.append(content);
      row.append(cell);
    }
    return row;
  });
  body.replaceChildren(...rows);
  if (count) count.textContent = `${running.oldest.length} of ${running.total}`;
}

async function refreshFleet() {
  try {
    const response = await fetch("/api/fleet", { cache: "no-store" });
    const stats = await response.json();
    if (!stats || stats.error) return;
    const figures = {
      "queue-depth": stats.queue_depth,
      "live-workers": stats.live_workers,
      "in-progress": stats.jobs_in_progress,
      "dead-letters": stats.dead_letters,
      "stream-length": stats.results_stream_length,
    };
    for (const [id, value] of Object.entries(figures)) {
      const element = document.getElementById(id);
      if (element) element.textContent = String(value);
    }
    showRunning(stats.runs_in_progress);
  } catch (error) {
    // the next poll tries again; the page keeps the last figures
  }
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.live !== "on") return;
  followResults();
  setInterval(refreshFleet, FLEET_POLL_MS);
});
