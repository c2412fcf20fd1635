// `pipe diff` as text, in the spirit of `terraform plan`: `-` tasks only in the first plan,
// `+` tasks only in the second, `>` tasks that moved to another id (the same key: nothing
// reruns), `~` tasks that rerun with their root cause, grouped so that
// a large sweep stays short (`--verbose` lists every task); unchanged tasks are counted.
// And the same information as JSON for tools. The CLI prints what these return; ids and
// groups in the text are escaped by printable.ts.

import { pendingText } from "../plan/pending-text.js";
import pc from "picocolors";
import { printable } from "../printable.js";
import { formatCost, plural } from "./cost.js";
import { causeLines, causeSummary, causesBrief } from "./describe.js";
import { hasChanges, type Cause, type CauseGroup, type ChangedTask, type MovedTask, type PlanDiff, type TaskRef } from "./index.js";
import { append } from "../arrays.js";

export interface RenderOptions {
  readonly verbose?: boolean;
  readonly color?: boolean;
}

/** Listed in full up to this many; beyond, the first LISTED and a count. */
const FULL_LIST = 6;
const LISTED = 5;
const ROOTS_NAMED = 3;

export function renderDiff(diff: PlanDiff, options: RenderOptions = {}): string {
  const c = pc.createColors(options.color ?? false);
  const paint = (sign: string) => ({ "-": c.red, "+": c.green, "~": c.yellow, ">": c.cyan })[sign as "-" | "+" | "~" | ">"](sign);
  const lines: string[] = [];
  const listed = (sign: "-" | "+", refs: readonly TaskRef[]) => {
    for (const bucket of bySweepGroup(refs)) {
      if (options.verbose || bucket.length <= FULL_LIST) for (const r of bucket) lines.push(`${paint(sign)} ${printable(r.id)}`);
      else append(lines, [`${paint(sign)} ${bucket.length} tasks in ${printable(bucket[0]!.group)}`, ...listIds(sign, bucket.map((r) => r.id), false)]);
    }
  };
  listed("-", diff.removed);
  for (const bucket of bySweepGroup(diff.moved)) {
    const line = (m: MovedTask) => `${printable(m.was)} → ${printable(m.id)}`;
    if (options.verbose || bucket.length <= FULL_LIST) for (const m of bucket) lines.push(`${paint(">")} ${line(m)} (moved: same key)`);
    else {
      lines.push(`${paint(">")} ${bucket.length} tasks in ${printable(bucket[0]!.group)} moved to other ids (same keys)`);
      for (const m of bucket.slice(0, LISTED)) lines.push(`    ${paint(">")} ${line(m)}`);
      lines.push(`    … and ${bucket.length - LISTED} more (--verbose lists every task)`);
    }
  }
  listed("+", diff.added);
  const context = contextOf(diff);
  // Many groups of one shape (a sweep whose tasks each changed in their own way: each its
  // own input file) show as one entry, unless --verbose.
  const shapes = new Map<string, CauseGroup[]>();
  // Each group's shape once: a fan-in's names every root task upstream.
  const shapeOfGroup = new Map<CauseGroup, string>();
  if (!options.verbose) {
    for (const g of diff.groups) {
      const shape = shapeOf(g, context);
      if (shape === undefined) continue;
      shapeOfGroup.set(g, shape);
      (shapes.get(shape) ?? shapes.set(shape, []).get(shape)!).push(g);
    }
  }
  for (const g of diff.groups) {
    const alike = shapes.get(shapeOfGroup.get(g) ?? "");
    if (!alike || alike.length <= FULL_LIST) append(lines, renderGroup(g, context, paint("~"), options.verbose ?? false));
    else if (alike[0] === g) append(lines, renderAlike(alike, context, paint("~")));
  }

  // Dynamic loops not planned yet: a group each, what they run known once their lists are.
  for (const p of diff.pending) lines.push(`? ${printable(p.id)}: pending, ${pendingText(p)}`);

  if (!hasChanges(diff)) return `no changes: ${plural(diff.unchanged, "task")} unchanged\n`;
  if (lines.length) lines.push("");
  lines.push(`${diff.added.length} to add, ${diff.changed.length} to rerun, ${diff.removed.length} to remove, ${diff.moved.length ? `${diff.moved.length} moved, ` : ""}${diff.unchanged} unchanged${diff.pending.length ? `, ${diff.pending.length} pending` : ""}`);
  if (diff.cost.tasks > 0) lines.push(formatCost(diff.cost));
  return lines.join("\n") + "\n";
}

function renderGroup(g: CauseGroup, context: Context, sign: string, verbose: boolean): string[] {
  const was = g.tasks.length === 1 ? context.byId.get(g.tasks[0]!)?.was : undefined;
  const subject = g.tasks.length === 1 ? printable(g.tasks[0]!) + (was !== undefined ? ` (was ${printable(was)})` : "") : `${g.tasks.length} tasks${g.group ? ` in ${printable(g.group)}` : ""}`;
  const lines: string[] = [];
  if (g.causes.length === 0) lines.push(`${sign} ${subject}: ${upstreamText(g.upstream, context)}`);
  else {
    append(lines, [`${sign} ${subject}`, ...g.causes.flatMap(causeLines).map((l) => `    ${l}`)]);
    if (g.upstream.length) lines.push(`    and ${upstreamText(g.upstream, context)}`);
  }
  if (g.tasks.length > 1) append(lines, listIds("~", g.tasks, verbose));
  return lines;
}

/** Groups of one sweep group whose causes differ only in values, or whose roots are in one sweep group. */
function shapeOf(g: CauseGroup, context: Context): string | undefined {
  if (g.group === undefined) return undefined;
  const causes = g.causes.map((c) => `${c.kind}:${c.kind === "argument" ? c.name : c.kind === "file" ? c.role : c.kind === "definition" ? c.action : ""}`);
  const roots = [...new Set(g.upstream.map((r) => context.byId.get(r)!.group))];
  return `${g.group}\n${causes.join(",")}\n${roots.join(",")}`;
}

function renderAlike(groups: readonly CauseGroup[], context: Context, sign: string): string[] {
  const g = groups[0]!;
  const tasks = groups.reduce((n, x) => n + x.tasks.length, 0);
  const what = g.causes.length
    ? `${g.causes.map(shapeText).join(", ")} changed, differently for each`
    : `upstream tasks in ${[...new Set(g.upstream.map((r) => context.byId.get(r)!.group))].map(printable).join(", ")} changed, different ones for each`;
  const brief = (x: CauseGroup) => (x.causes.length ? causesBrief(x.causes) : upstreamText(x.upstream, context));
  const lines = [`${sign} ${tasks} tasks in ${printable(g.group ?? "")}: ${what}`];
  for (const x of groups.slice(0, LISTED)) lines.push(`    ~ ${printable(x.tasks[0]!)}${x.tasks.length > 1 ? ` and ${x.tasks.length - 1} more` : ""}: ${brief(x)}`);
  lines.push(`    … and ${groups.slice(LISTED).reduce((n, x) => n + x.tasks.length, 0)} more (--verbose lists every task)`);
  return lines;
}

function shapeText(c: Cause): string {
  switch (c.kind) {
    case "argument":
      return `argument ${c.name}`;
    case "file":
      return c.role === "ts" ? "TypeScript implementation" : c.role === "py" ? "Python implementation" : c.role;
    case "definition":
      return `definition of ${c.action}`;
    default:
      return causeSummary(c);
  }
}

interface Context {
  /** The changed tasks that are looked up: root tasks (those with causes of their own) and those that moved. */
  readonly byId: ReadonlyMap<string, ChangedTask>;
  /** The group of each root task. */
  readonly groupOf: ReadonlyMap<string, CauseGroup>;
}

/** Tasks that rerun only because of upstream ones (most of a large sweep) are never looked up: they are left out. */
function contextOf(diff: PlanDiff): Context {
  const byId = new Map<string, ChangedTask>();
  for (const t of diff.changed) if (t.causes.length > 0 || t.was !== undefined) byId.set(t.id, t);
  const groupOf = new Map<string, CauseGroup>();
  for (const g of diff.groups) if (g.causes.length) for (const id of g.tasks) groupOf.set(id, g);
  return { byId, groupOf };
}

/** `upstream main/d changed (argument seed: 1 → 2)`; roots with one cause are counted, not named. */
function upstreamText(roots: readonly string[], context: Context): string {
  const groups = new Set(roots.map((r) => context.groupOf.get(r)));
  const shared = groups.size === 1 ? [...groups][0] : undefined;
  const brief = shared ? ` (${causesBrief(shared.causes)})` : "";
  if (roots.length === 1) return `upstream ${printable(roots[0]!)} changed${brief}`;
  const sweeps = new Set(roots.map((r) => context.byId.get(r)!.group));
  if (!shared) return roots.length > ROOTS_NAMED + 1 && sweeps.size === 1 ? `upstream ${roots.length} tasks in ${printable([...sweeps][0]!)} changed` : `upstream ${namedRoots(roots)} changed`;
  return `upstream ${roots.length} tasks${sweeps.size === 1 ? ` in ${printable([...sweeps][0]!)}` : ""} changed${brief}`;
}

function namedRoots(ids: readonly string[]): string {
  if (ids.length <= ROOTS_NAMED + 1) return ids.map(printable).join(", ");
  return `${ids.slice(0, ROOTS_NAMED).map(printable).join(", ")} and ${ids.length - ROOTS_NAMED} more`;
}

function listIds(sign: string, ids: readonly string[], verbose: boolean): string[] {
  if (verbose || ids.length <= FULL_LIST) return ids.map((id) => `    ${sign} ${printable(id)}`);
  return [...ids.slice(0, LISTED).map((id) => `    ${sign} ${printable(id)}`), `    … and ${ids.length - LISTED} more (--verbose lists every task)`];
}

/** Consecutive tasks of one sweep group together, groups in order of appearance. */
function bySweepGroup<T extends TaskRef>(refs: readonly T[]): T[][] {
  const buckets = new Map<string, T[]>();
  let last: T[] | undefined;
  for (const r of refs) {
    // Consecutive tasks mostly share a group: no lookup by a fresh string.
    if (last?.[0]!.group !== r.group) last = buckets.get(r.group) ?? buckets.set(r.group, []).get(r.group)!;
    last.push(r);
  }
  return [...buckets.values()];
}

/** The JSON of `pipe diff --json`: everything, every task listed. */
export function diffJson(diff: PlanDiff): unknown {
  // Causes are shared by the tasks of a group: each list is turned into JSON once.
  const made = new Map<readonly Cause[], unknown[]>();
  const causes = (cs: readonly Cause[]) => made.get(cs) ?? made.set(cs, cs.map((c) => ({ ...c, text: causeSummary(c) }))).get(cs)!;
  return {
    changes: hasChanges(diff),
    summary: { add: diff.added.length, rerun: diff.changed.length, remove: diff.removed.length, move: diff.moved.length, unchanged: diff.unchanged },
    cost: diff.cost,
    added: diff.added,
    removed: diff.removed,
    moved: diff.moved,
    changed: diff.changed.map((t) => ({ id: t.id, action: t.action, group: t.group, ...(t.was !== undefined ? { was: t.was } : {}), key: { from: t.from, to: t.to }, causes: causes(t.causes), upstream: t.upstream })),
    groups: diff.groups.map((g) => ({ ...(g.group !== undefined ? { group: g.group } : {}), causes: causes(g.causes), upstream: g.upstream, tasks: g.tasks })),
  };
}
