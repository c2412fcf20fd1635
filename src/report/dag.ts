// The plan's DAG as inline SVG, coloured by state, laid out by pipe itself (no graphviz):
// a task's column is the length of the longest path to it, its row its order in the column
// (plan order, which keeps a sweep's tasks together). A plan past MAX_TASK_NODES tasks is
// drawn only per action: one box per action with its counts by state, an edge where one
// action's tasks read another's.

import { printable } from "../printable.js";
import { escapeHtml } from "./escape.js";
import type { ReportState, ReportTask } from "./model.js";

export const MAX_TASK_NODES = 300;

export const STATE_COLOURS: Record<ReportState, string> = {
  done: "#2e9d57",
  failed: "#d23c3c",
  timeout: "#8e44ad",
  "out of memory": "#c0398e",
  cached: "#8fb8de",
  skipped: "#c8c8c8",
  cancelled: "#9a9a9a",
  interrupted: "#e68a00",
  pending: "#e6e6e6",
  running: "#2f7fd8",
};

interface Node {
  readonly label: string;
  /** The label is a task id (shown escaped as printable.ts prints it). */
  readonly shown?: boolean;
  readonly title: string;
  readonly colour: string;
  readonly deps: readonly number[];
  /** Shares of the box by colour (per-action boxes). */
  readonly shares?: readonly { colour: string; n: number }[];
  readonly attrs: string;
}

const W = 170;
const H = 26;
const GAP_X = 60;
const GAP_Y = 10;

export function taskDag(tasks: readonly ReportTask[]): string {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const nodes = tasks.map(
    (t): Node => ({
      label: t.id,
      shown: true,
      title: `${printable(t.id)} (${t.action}): ${t.state}`,
      colour: STATE_COLOURS[t.state],
      deps: t.deps.map((d) => index.get(d)).filter((d): d is number => d !== undefined),
      attrs: ` data-node="${escapeHtml(t.id)}" data-state="${escapeHtml(t.state)}"`,
    }),
  );
  return svg(nodes, "task graph");
}

export function actionDag(tasks: readonly ReportTask[]): string {
  const actionOf = new Map(tasks.map((t) => [t.id, t.action]));
  const order: string[] = [];
  const byAction = new Map<string, { states: Map<ReportState, number>; deps: Set<string> }>();
  for (const t of tasks) {
    let a = byAction.get(t.action);
    if (!a) byAction.set(t.action, (a = { states: new Map(), deps: new Set() })), order.push(t.action);
    a.states.set(t.state, (a.states.get(t.state) ?? 0) + 1);
    for (const d of t.deps) {
      const up = actionOf.get(d);
      if (up !== undefined && up !== t.action) a.deps.add(up);
    }
  }
  // Actions in order of their first task: upstream actions come first, unless two call each other's tasks back and forth.
  const index = new Map(order.map((a, i) => [a, i]));
  const nodes = order.map((name): Node => {
    const a = byAction.get(name)!;
    const counts = [...a.states].map(([s, n]) => `${n} ${s}`).join(", ");
    const total = [...a.states.values()].reduce((x, y) => x + y, 0);
    const worst = (["failed", "timeout", "out of memory", "interrupted", "cancelled", "running", "pending", "skipped", "done", "cached"] as ReportState[]).find((s) => a.states.has(s))!;
    return {
      label: `${name} ×${total}`,
      title: `${name}: ${counts}`,
      colour: STATE_COLOURS[worst],
      deps: [...a.deps].map((d) => index.get(d)!).filter((d) => d < index.get(name)!),
      shares: [...a.states].map(([s, n]) => ({ colour: STATE_COLOURS[s], n })),
      attrs: ` data-action="${escapeHtml(name)}"`,
    };
  });
  return svg(nodes, "actions graph");
}

function svg(nodes: readonly Node[], label: string): string {
  const column: number[] = [];
  nodes.forEach((n, i) => (column[i] = n.deps.reduce((c, d) => Math.max(c, (column[d] ?? 0) + 1), 0)));
  const rows: number[] = [];
  const filled: number[] = [];
  nodes.forEach((_, i) => (rows[i] = filled[column[i]!] = (filled[column[i]!] ?? -1) + 1));
  const x = (i: number) => 10 + column[i]! * (W + GAP_X);
  const y = (i: number) => 10 + rows[i]! * (H + GAP_Y);
  const width = 20 + (column.reduce((m, c) => Math.max(m, c), 0) + 1) * (W + GAP_X) - GAP_X;
  const height = 20 + filled.reduce((m, f) => Math.max(m, f + 1), 1) * (H + GAP_Y) - GAP_Y;
  const edges: string[] = [];
  nodes.forEach((n, i) => {
    for (const d of n.deps) {
      const x1 = x(d) + W;
      const y1 = y(d) + H / 2;
      const x2 = x(i);
      const y2 = y(i) + H / 2;
      const mx = (x1 + x2) / 2;
      edges.push(`<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" />`);
    }
  });
  const boxes = nodes.map((n, i) => {
    const fill = n.shares ? shares(n.shares, x(i), y(i)) : `<rect x="${x(i)}" y="${y(i)}" width="${W}" height="${H}" rx="4" fill="${n.colour}" />`;
    const label = n.shown ? printable(n.label) : n.label;
    const text = label.length > 26 ? `${label.slice(0, 25)}…` : label;
    return `<g class="node"${n.attrs}><title>${escapeHtml(n.title)}</title>${fill}<rect x="${x(i)}" y="${y(i)}" width="${W}" height="${H}" rx="4" fill="none" stroke="#555" /><text x="${x(i) + 6}" y="${y(i) + H / 2 + 4}">${escapeHtml(text)}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="dag" role="img" aria-label="${label}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><g class="edges">${edges.join("")}</g>${boxes.join("")}</svg>`;
}

function shares(parts: readonly { colour: string; n: number }[], x: number, y: number): string {
  const total = parts.reduce((s, p) => s + p.n, 0);
  let at = x;
  return parts
    .map((p) => {
      const w = (W * p.n) / total;
      const r = `<rect x="${at.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${H}" fill="${p.colour}" />`;
      at += w;
      return r;
    })
    .join("");
}
