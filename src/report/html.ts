// The report as one self-contained HTML file: inline CSS and SVG, no script, nothing
// fetched. Sections: a summary; the timeline (one bar per attempt, `data-task` and
// `data-state` on each, rows grouped by action); durations and peak memory per action; the
// slowest tasks; failures grouped by their error, with the end of a log; the DAG, per task
// for plans of up to MAX_TASK_NODES tasks, and per action always.

import { maxOf, minOf } from "../arrays.js";
import { actionDag, MAX_TASK_NODES, STATE_COLOURS, taskDag } from "./dag.js";
import { escapeHtml, shownId } from "./escape.js";
import type { Report, ReportState, ReportTask } from "./model.js";

const SLOWEST = 15;
const FAILURE_TASKS_SHOWN = 20;

export function reportHtml(report: Report, generated: Date): string {
  const title = `pipe report: ${report.file} (${report.entry}), ${report.kind} ${report.name}`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    // Nothing is loaded from anywhere: the page works from a file on a machine offline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    summary(report, generated),
    legend(),
    section("Timeline", timeline(report.tasks)),
    section("Time and memory by action", byAction(report.tasks)),
    section("Slowest tasks", slowest(report.tasks)),
    section("Failures", failures(report.tasks)),
    section("Graph", graphs(report.tasks)),
    "</body></html>",
    "",
  ].join("\n");
}

function section(name: string, body: string): string {
  const id = name.toLowerCase().replace(/[^a-z]+/g, "-");
  return `<section id="${id}"><h2>${escapeHtml(name)}</h2>${body}</section>`;
}

function summary(report: Report, generated: Date): string {
  const counts = new Map<ReportState, number>();
  for (const t of report.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const attempts = report.tasks.reduce((n, t) => n + t.attempts.length, 0);
  const starts = report.tasks.flatMap((t) => t.attempts.map((a) => a.start).filter((s): s is number => s !== undefined));
  const ends = report.tasks.flatMap((t) => t.attempts.map((a) => a.end).filter((s): s is number => s !== undefined));
  const span = starts.length && ends.length ? maxOf(ends) - minOf(starts) : undefined;
  const rows = [
    ["tasks", `${report.tasks.length}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ") || "none"}`],
    ["attempts", String(attempts)],
    ...(report.status ? [["status", report.status]] : []),
    ...(span !== undefined ? [["wall time", duration(span)], ["first start", new Date(minOf(starts)).toISOString()]] : []),
    ["measured by", report.source],
    ["generated", generated.toISOString()],
  ];
  const notes = report.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("");
  return `<table class="summary">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k!)}</th><td>${escapeHtml(v!)}</td></tr>`).join("")}</table>${notes}`;
}

function legend(): string {
  return `<p class="legend">${Object.entries(STATE_COLOURS)
    .map(([s, c]) => `<span><i style="background:${c}"></i>${escapeHtml(s)}</span>`)
    .join(" ")}</p>`;
}

/** Tasks by action, in order of each action's first task. */
function grouped(tasks: readonly ReportTask[]): Map<string, ReportTask[]> {
  const groups = new Map<string, ReportTask[]>();
  for (const t of tasks) {
    const g = groups.get(t.action);
    if (g) g.push(t);
    else groups.set(t.action, [t]);
  }
  return groups;
}

function timeline(tasks: readonly ReportTask[]): string {
  const starts = tasks.flatMap((t) => t.attempts.flatMap((a) => (a.start !== undefined ? [a.start] : [])));
  const ends = tasks.flatMap((t) => t.attempts.flatMap((a) => (a.end !== undefined ? [a.end] : a.start !== undefined ? [a.start + (a.durationMs ?? 0)] : [])));
  if (starts.length === 0 && !tasks.some((t) => t.attempts.length)) return "<p>No task ran.</p>";
  const t0 = starts.length ? minOf(starts) : 0;
  const t1 = Math.max(t0 + 1, maxOf(ends));
  const pct = (t: number) => (((t - t0) / (t1 - t0)) * 100).toFixed(3);
  const out: string[] = [`<div class="axis"><span>0 s</span><span>${escapeHtml(duration(t1 - t0))}</span></div>`];
  for (const [action, group] of grouped(tasks)) {
    const ran = group.filter((t) => t.attempts.length);
    const notRun = group.length - ran.length;
    out.push(`<div class="group"><h3>${escapeHtml(action)} <small>${ran.length} ran${notRun ? `, ${notRun} did not (cached, skipped or pending)` : ""}</small></h3>`);
    for (const t of ran) {
      const bars = t.attempts.map((a) => {
        const start = a.start ?? t1;
        const end = a.end ?? (a.start !== undefined ? a.start + (a.durationMs ?? 0) : t1);
        const tip = `${t.id} attempt ${a.attempt}: ${a.state}${a.durationMs !== undefined ? `, ${duration(a.durationMs)}` : ""}${a.peakRssKb !== undefined ? `, peak ${mib(a.peakRssKb)}` : ""}${a.memMb ? `, given ${a.memMb} MiB` : ""}${a.jobId ? `, job ${a.jobId}` : ""}`;
        return `<div class="bar" data-task="${escapeHtml(t.id)}" data-state="${escapeHtml(a.state)}" data-attempt="${a.attempt}" style="left:${pct(start)}%;width:${(Number(pct(end)) - Number(pct(start))).toFixed(3)}%;background:${STATE_COLOURS[a.state]}" title="${escapeHtml(tip)}"></div>`;
      });
      out.push(`<div class="row"><div class="label" title="${escapeHtml(t.id)}">${shownId(t.id)}</div><div class="lane">${bars.join("")}</div></div>`);
    }
    out.push("</div>");
  }
  return out.join("\n");
}

function byAction(tasks: readonly ReportTask[]): string {
  const rows: string[] = [];
  for (const [action, group] of grouped(tasks)) {
    const attempts = group.flatMap((t) => t.attempts);
    const durations = attempts.flatMap((a) => (a.durationMs !== undefined ? [a.durationMs] : []));
    const rss = attempts.flatMap((a) => (a.peakRssKb !== undefined ? [a.peakRssKb] : []));
    const total = durations.reduce((s, d) => s + d, 0);
    const cells = [
      escapeHtml(action),
      String(group.length),
      String(attempts.length),
      durations.length ? duration(total) : "-",
      durations.length ? duration(total / durations.length) : "-",
      durations.length ? duration(maxOf(durations)) : "-",
      rss.length ? mib(rss.reduce((s, r) => s + r, 0) / rss.length) : "-",
      rss.length ? mib(maxOf(rss)) : "-",
    ];
    rows.push(`<tr>${cells.map((c, i) => (i === 0 ? `<td>${c}</td>` : `<td class="n">${c}</td>`)).join("")}</tr>`);
  }
  return `<table><thead><tr><th>action</th><th>tasks</th><th>attempts</th><th>total time</th><th>mean</th><th>max</th><th>mean peak memory</th><th>max peak memory</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function slowest(tasks: readonly ReportTask[]): string {
  const timed = tasks.flatMap((t) => t.attempts.filter((a) => a.durationMs !== undefined).map((a) => ({ t, a })));
  if (timed.length === 0) return "<p>No timed attempts.</p>";
  timed.sort((x, y) => y.a.durationMs! - x.a.durationMs!);
  const rows = timed.slice(0, SLOWEST).map(({ t, a }) => `<tr><td>${shownId(t.id)}</td><td>${escapeHtml(t.action)}</td><td class="n">${a.attempt}</td><td>${escapeHtml(a.state)}</td><td class="n">${duration(a.durationMs!)}</td><td class="n">${a.peakRssKb !== undefined ? mib(a.peakRssKb) : "-"}</td><td class="n">${a.memMb ? `${a.memMb} MiB` : "-"}</td></tr>`);
  return `<table><thead><tr><th>task</th><th>action</th><th>attempt</th><th>state</th><th>duration</th><th>peak memory</th><th>given</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function failures(tasks: readonly ReportTask[]): string {
  const byError = new Map<string, ReportTask[]>();
  for (const t of tasks) {
    if (t.error === undefined) continue;
    // Ids differ from task to task in an otherwise equal message: group without them.
    const key = t.error.split(t.id).join("TASK");
    const g = byError.get(key);
    if (g) g.push(t);
    else byError.set(key, [t]);
  }
  const retried = tasks.filter((t) => t.attempts.length > 1 && t.state === "done");
  const parts: string[] = [];
  if (byError.size === 0) parts.push("<p>No task failed.</p>");
  for (const [error, group] of [...byError].sort((a, b) => b[1].length - a[1].length)) {
    const shown = group.slice(0, FAILURE_TASKS_SHOWN).map((t) => `<li>${shownId(t.id)} <small>(${escapeHtml(t.state)}, ${t.attempts.length} attempt${t.attempts.length === 1 ? "" : "s"})</small></li>`);
    const more = group.length > FAILURE_TASKS_SHOWN ? `<li>… and ${group.length - FAILURE_TASKS_SHOWN} more</li>` : "";
    const tail = group[0]!.logTail ? `<p>End of the log of ${shownId(group[0]!.id)}:</p><pre>${escapeHtml(group[0]!.logTail!)}</pre>` : "";
    parts.push(`<div class="failure"><h3>${group.length} × <code>${escapeHtml(error)}</code></h3><ul>${shown.join("")}${more}</ul>${tail}</div>`);
  }
  if (retried.length) parts.push(`<p>${retried.length} task${retried.length === 1 ? "" : "s"} succeeded after a retry: ${retried.slice(0, FAILURE_TASKS_SHOWN).map((t) => shownId(t.id)).join(", ")}${retried.length > FAILURE_TASKS_SHOWN ? ", …" : ""}.</p>`);
  return parts.join("\n");
}

function graphs(tasks: readonly ReportTask[]): string {
  const perAction = `<h3>By action</h3><div class="scroll">${actionDag(tasks)}</div>`;
  if (tasks.length > MAX_TASK_NODES) return `${perAction}<p>The graph of the ${tasks.length} tasks is left out: past ${MAX_TASK_NODES} tasks it is drawn by action only.</p>`;
  return `${perAction}<details open><summary>By task</summary><div class="scroll">${taskDag(tasks)}</div></details>`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function mib(kb: number): string {
  return kb >= 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(2)} GiB` : `${(kb / 1024).toFixed(1)} MiB`;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.15em;border-bottom:1px solid #ccc;margin-top:1.6em}h3{font-size:1em;margin:.8em 0 .3em}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.summary th{background:#f4f4f4}.note{color:#a35a00}
.legend span{margin-right:1em;white-space:nowrap}.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle;border:1px solid #888}
.axis{display:flex;justify-content:space-between;margin-left:22em;color:#666;font-size:.85em}
.row{display:flex;align-items:center;height:16px;margin:1px 0}
.label{width:22em;flex:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-family:monospace;font-size:.8em}
.lane{position:relative;flex:1;height:12px;background:#f6f6f6}
.bar{position:absolute;top:0;height:12px;min-width:2px;border-radius:2px;opacity:.9}
pre{background:#f6f6f6;padding:.6em;overflow:auto;max-height:22em;white-space:pre-wrap}
.scroll{overflow:auto;max-height:40em;border:1px solid #eee}
.dag text{font:11px monospace;fill:#111}.dag .edges path{fill:none;stroke:#999}
`;
