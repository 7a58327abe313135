"""The read-only dashboard (gateway layer): one HTML page, its CSS and script inline, no external assets.

The page fetches `/status` (gateway.status) every few seconds and draws it: health of the database and the
SFTP listener, files per queue state (element ids `queue-<state>`, stable for scripts and tests), the oldest
waiting file, the last and next run of each batch, and the last 24 hours of files and CADs as an inline SVG
chart built by the script. Everything from the document is put in with `textContent`, never as HTML: file
names come from brokers.
"""

from __future__ import annotations

from typing import Final

PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>carm-gateway</title>
<style>
  :root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
  * { box-sizing: border-box; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { display: flex; align-items: baseline; gap: 1em; padding: 12px 20px; background: #fff;
           border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px;
         padding: 16px 20px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
       margin: 0 0 8px; }
  .numbers { display: flex; flex-wrap: wrap; gap: 16px; }
  .number b { display: block; font-size: 28px; font-variant-numeric: tabular-nums; }
  .number span { color: var(--muted); }
  .up, .ok, .succeeded { color: var(--ok); }
  .down, .degraded, .failed, .error { color: var(--bad); }
  .unknown, .running { color: var(--warn); }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px 4px 0; border-bottom: 1px solid var(--line);
           vertical-align: top; }
  th { color: var(--muted); font-weight: normal; }
  .muted { color: var(--muted); }
  svg text { font-size: 10px; fill: var(--muted); }
  .legend span { margin-right: 1em; }
  .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
</style>
</head>
<body>
<header>
  <h1>carm-gateway</h1>
  <span>status: <b id="overall" class="unknown">loading</b></span>
  <span class="muted">as of <span id="generated-at">-</span></span>
  <span id="fetch-error" class="error"></span>
</header>
<main>
  <section>
    <h2>Health</h2>
    <table>
      <tr><th>database</th>
        <td><b id="health-database">-</b> <span id="database-detail" class="muted"></span></td></tr>
      <tr><th>SFTP</th><td><b id="health-sftp">-</b> <span id="sftp-detail" class="muted"></span></td></tr>
    </table>
  </section>
  <section>
    <h2>Queue</h2>
    <div class="numbers">
      <div class="number"><b id="queue-waiting">-</b><span>waiting</span></div>
      <div class="number"><b id="queue-received">-</b><span>received</span></div>
      <div class="number"><b id="queue-processing">-</b><span>processing</span></div>
      <div class="number"><b id="queue-held">-</b><span>held</span></div>
      <div class="number"><b id="queue-done">-</b><span>done</span></div>
      <div class="number"><b id="queue-uploading">-</b><span>uploading</span></div>
    </div>
  </section>
  <section>
    <h2>Oldest waiting file</h2>
    <div id="oldest-waiting">-</div>
    <div class="muted" id="oldest-age"></div>
  </section>
  <section class="wide">
    <h2>Last 24 hours</h2>
    <div class="legend">
      <span><i class="swatch" style="background:var(--ok)"></i>files accepted:
        <b id="total-files-accepted">-</b></span>
      <span><i class="swatch" style="background:var(--bad)"></i>files rejected:
        <b id="total-files-rejected">-</b></span>
      <span>CADs accepted: <b id="total-cads-accepted">-</b></span>
      <span>CADs rejected: <b id="total-cads-rejected">-</b></span>
    </div>
    <svg id="throughput-chart" width="100%" height="170" viewBox="0 0 960 170" preserveAspectRatio="none"
         role="img" aria-label="files accepted and rejected per hour, last 24 hours"></svg>
  </section>
  <section class="wide">
    <h2>Batches</h2>
    <table>
      <thead><tr><th>job</th><th>last run</th><th>business date</th><th>finished</th><th>duration</th>
      <th>next run</th></tr></thead>
      <tbody id="batches"></tbody>
    </table>
  </section>
</main>
<script>
"use strict";
const REFRESH_MS = 10000;
const SVG = "http://www.w3.org/2000/svg";

function byId(id) { return document.getElementById(id); }

function put(id, value, cls) {
  const element = byId(id);
  element.textContent = value === null || value === undefined ? "-" : String(value);
  if (cls !== undefined) { element.className = cls; }
}

function when(instant) {
  return instant ? new Date(instant).toLocaleString() : "-";
}

function age(seconds) {
  if (seconds < 120) { return seconds + " s"; }
  if (seconds < 7200) { return Math.round(seconds / 60) + " min"; }
  return (seconds / 3600).toFixed(1) + " h";
}

function showHealth(doc) {
  put("overall", doc.status, doc.status);
  put("generated-at", when(doc.generated_at));
  const db = doc.database;
  put("health-database", db.status, db.status);
  put("database-detail", db.backend + (db.latency_ms !== null ? ", " + db.latency_ms + " ms" : "")
      + (db.error ? " - " + db.error : ""));
  const sftp = doc.sftp;
  put("health-sftp", sftp.status, sftp.status);
  put("sftp-detail", sftp.host + ":" + sftp.port + (sftp.error ? " - " + sftp.error : ""));
}

function showQueue(queue) {
  for (const state of ["waiting", "received", "processing", "held", "done", "uploading"]) {
    put("queue-" + state, queue ? queue[state] : null);
  }
}

function showOldest(oldest) {
  if (!oldest) {
    put("oldest-waiting", "nothing is waiting");
    put("oldest-age", "");
    return;
  }
  put("oldest-waiting", "#" + oldest.id + " " + oldest.filename + " from " + oldest.broker);
  put("oldest-age", "waiting " + age(oldest.age_seconds) + ", since " + when(oldest.received_at));
}

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) { element.setAttribute(key, value); }
  return element;
}

function drawChart(throughput) {
  const chart = byId("throughput-chart");
  chart.replaceChildren();
  const keys = ["files_accepted", "files_rejected", "cads_accepted", "cads_rejected"];
  for (const key of keys) {
    put("total-" + key.replace("_", "-"), throughput ? throughput.totals[key] : null);
  }
  if (!throughput) { return; }
  const hours = throughput.hours;
  const top = Math.max(1, ...hours.map(h => h.files_accepted + h.files_rejected));
  const width = 960 / hours.length, plot = 140;
  hours.forEach((hour, index) => {
    const x = index * width + 2;
    const accepted = plot * hour.files_accepted / top, rejected = plot * hour.files_rejected / top;
    const label = new Date(hour.start).getHours().toString().padStart(2, "0") + "h: "
      + hour.files_accepted + " accepted, " + hour.files_rejected + " rejected";
    const group = svgElement("g", {"class": "hour", "data-start": hour.start});
    const title = svgElement("title", {});
    title.textContent = label;
    group.appendChild(title);
    group.appendChild(svgElement("rect", {"class": "accepted", x: x, y: plot - accepted, width: width - 4,
      height: accepted, fill: "#1a7f37"}));
    group.appendChild(svgElement("rect", {"class": "rejected", x: x, y: plot - accepted - rejected,
      width: width - 4, height: rejected, fill: "#cf222e"}));
    if (index % 3 === 0) {
      const tick = svgElement("text", {x: x, y: plot + 14});
      tick.textContent = new Date(hour.start).getHours().toString().padStart(2, "0") + ":00";
      group.appendChild(tick);
    }
    chart.appendChild(group);
  });
  chart.appendChild(svgElement("line", {x1: 0, y1: plot, x2: 960, y2: plot, stroke: "#d0d7de"}));
  const scale = svgElement("text", {x: 4, y: 10});
  scale.textContent = "max " + top + " files/hour";
  chart.appendChild(scale);
}

function cell(row, value, cls) {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined ? "-" : String(value);
  if (cls) { td.className = cls; }
  row.appendChild(td);
}

function showBatches(batches) {
  const body = byId("batches");
  body.replaceChildren();
  for (const batch of batches) {
    const row = document.createElement("tr");
    row.id = "batch-" + batch.job;
    const last = batch.last_run, next = batch.next_run;
    cell(row, batch.job);
    cell(row, last ? last.status : "never", last ? last.status : "muted");
    cell(row, last ? last.business_date : null);
    cell(row, last ? when(last.finished_at) : null);
    cell(row, last && last.duration_seconds !== null ? last.duration_seconds.toFixed(1) + " s" : null);
    cell(row, next ? when(next.due_at) + " (for " + next.business_date + ")" : null);
    body.appendChild(row);
  }
}

async function refresh() {
  try {
    const answer = await fetch("/status", {cache: "no-store"});
    if (!answer.ok) { throw new Error("/status answered " + answer.status); }
    const doc = await answer.json();
    showHealth(doc);
    showQueue(doc.queue);
    showOldest(doc.oldest_waiting);
    drawChart(doc.throughput);
    showBatches(doc.batches);
    put("fetch-error", "");
    document.body.dataset.loaded = doc.generated_at;
  } catch (error) {
    put("fetch-error", "status unavailable: " + error.message);
    put("overall", "unknown", "unknown");
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
</script>
</body>
</html>
"""
