// `pipe graph`: the plan's DAG as Graphviz DOT or Mermaid. Each task is coloured by its
// state — cached, to run, or failed in the last recorded run (with the same key) — and the
// tasks of a sweep are drawn as a cluster; a sweep of more than EXPAND_LIMIT tasks is drawn
// as one node that counts them by state (`--expand` draws every task), so a 200-task sweep
// stays a picture. `--actions` draws one node per action instead, like snakemake's rulegraph.
// A dynamic loop not planned yet (and a call waiting on one) is one dashed node, reached by
// dashed edges from the tasks whose lists it waits on.

import { listRuns } from "../backends/local/read-records.js";
import type { Pending, Plan } from "../plan/plan.js";
import { planStates } from "../plan/state.js";
import { printable } from "../printable.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, type Io } from "./io.js";

export type TaskState = "cached" | "run" | "failed" | "pending";

export interface GraphFlags extends PlanFlags {
  readonly format?: string;
  readonly actions?: boolean;
  readonly expand?: boolean;
}

/** Sweeps with more tasks than this are drawn as one node unless `--expand`. */
export const EXPAND_LIMIT = 12;

const fill: Record<TaskState, string> = { cached: "#d5ecd4", run: "#fff1c1", failed: "#f6c6c6", pending: "#eeeeee" };
const stateWords: Record<TaskState, string> = { cached: "cached", run: "to run", failed: "failed", pending: "pending" };

export async function graphCommand(file: string, flags: GraphFlags, io: Io): Promise<number> {
  const format = flags.format ?? "dot";
  if (format !== "dot" && format !== "mermaid") {
    io.err(`pipe: unknown graph format "${format}"; use dot or mermaid\n`);
    return Exit.invalid;
  }
  const built = await buildPlan(file, flags, io);
  if (!built) return Exit.invalid;
  const states = taskStates(built.plan, built.config.storeDir, built.projectDir);
  const graph = flags.actions ? actionGraph(built.plan, states) : taskGraph(built.plan, states, flags.expand ?? false);
  io.out(format === "dot" ? toDot(graph, built.plan.entry) : toMermaid(graph));
  return Exit.ok;
}

/** Each task's state: cached or to run from the store, failed when the latest run failed it under the same key. */
export function taskStates(plan: Plan, storeDir: string, projectDir: string): Map<string, TaskState> {
  const latest = listRuns(projectDir).at(-1)?.record;
  const failed = new Set((latest?.tasks ?? []).filter((t) => t.state === "failed").map((t) => `${t.id}\0${t.key}`));
  const states = new Map<string, TaskState>();
  for (const d of planStates(plan, storeDir)) {
    states.set(d.task.id, !d.run ? "cached" : failed.has(`${d.task.id}\0${d.task.key}`) ? "failed" : "run");
  }
  return states;
}

interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly state: TaskState;
  /** The sweep the node's tasks belong to, drawn as a cluster. */
  readonly cluster?: string;
}

export interface Graph {
  readonly nodes: GraphNode[];
  readonly edges: [string, string][];
  /** Into a pending part, from what it waits on: drawn dashed. */
  readonly waits: [string, string][];
}

/** The worst state of a group: a failure shows, then work to do. */
const worst = (states: Iterable<TaskState>): TaskState => {
  let w: TaskState = "cached";
  for (const s of states) if (s === "failed" || (s === "run" && w === "cached")) w = s;
  return w;
};

const counts = (states: TaskState[]): string =>
  (["cached", "run", "failed"] as const)
    .map((s) => [s, states.filter((x) => x === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${stateWords[s]}`)
    .join(", ");

function taskGraph(plan: Plan, states: Map<string, TaskState>, expand: boolean): Graph {
  const bySweep = new Map<string, Plan["tasks"][number][]>();
  for (const t of plan.tasks) (bySweep.get(t.group) ?? bySweep.set(t.group, []).get(t.group)!).push(t);
  const nodeOf = new Map<string, string>();
  const nodes: GraphNode[] = [];
  for (const [group, tasks] of bySweep) {
    const sweep = tasks.length > 1 || tasks[0]!.id !== group;
    if (sweep && !expand && tasks.length > EXPAND_LIMIT) {
      const taskStatesHere = tasks.map((t) => states.get(t.id)!);
      const action = plan.actions[tasks[0]!.action]!.name;
      nodes.push({ id: group, label: `${printable(group)} ×${tasks.length}\n${action}\n${counts(taskStatesHere)}`, state: worst(taskStatesHere) });
      for (const t of tasks) nodeOf.set(t.id, group);
      continue;
    }
    for (const t of tasks) {
      const state = states.get(t.id)!;
      nodes.push({ id: t.id, label: `${printable(t.id)}\n${printable(plan.actions[t.action]!.name)}`, state, ...(sweep ? { cluster: group } : {}) });
      nodeOf.set(t.id, t.id);
    }
  }
  return withPending(plan, { nodes, edges: uniqueEdges(plan.tasks.flatMap((t) => t.deps.map((d) => [nodeOf.get(d)!, nodeOf.get(t.id)!] as [string, string]))), waits: [] }, (id) => nodeOf.get(id) ?? id);
}

function actionGraph(plan: Plan, states: Map<string, TaskState>): Graph {
  const byAction = new Map<string, TaskState[]>();
  for (const t of plan.tasks) (byAction.get(t.action) ?? byAction.set(t.action, []).get(t.action)!).push(states.get(t.id)!);
  const actionOf = new Map(plan.tasks.map((t) => [t.id, t.action]));
  const nodes = [...byAction].map(([action, s]): GraphNode => ({ id: action, label: `${printable(plan.actions[action]!.name)}\n${s.length} task${s.length === 1 ? "" : "s"}: ${counts(s)}`, state: worst(s) }));
  return withPending(plan, { nodes, edges: uniqueEdges(plan.tasks.flatMap((t) => t.deps.map((d) => [actionOf.get(d)!, t.action] as [string, string]))), waits: [] }, (id) => actionOf.get(id) ?? id);
}

/** The graph with a node per pending part of the plan; `nodeOf` names the node a task is drawn in. */
function withPending(plan: Plan, graph: Graph, nodeOf: (id: string) => string): Graph {
  const pending = plan.pending ?? [];
  const nodes = [...graph.nodes, ...pending.map((p): GraphNode => ({ id: p.id, label: `${printable(p.id)}\npending`, state: "pending" }))];
  return { nodes, edges: graph.edges, waits: uniqueEdges(pending.flatMap((p) => pendingFrom(p).map((from) => [nodeOf(from), p.id] as [string, string]))) };
}

function pendingFrom(p: Pending): string[] {
  return [...new Set([...p.over.map((o) => o.task), ...p.after])];
}

function uniqueEdges(edges: [string, string][]): [string, string][] {
  const seen = new Set<string>();
  return edges.filter(([a, b]) => {
    const k = `${a}\0${b}`;
    if (a === b || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function toDot(graph: Graph, entry: string): string {
  // Ids as printed everywhere, then quoted: DOT reads `\\` as a backslash, as JSON writes it.
  const q = (s: string) => JSON.stringify(printable(s));
  const lines = [`digraph ${q(entry)} {`, "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname=monospace];'];
  const node = (n: GraphNode, indent: string) =>
    `${indent}${q(n.id)} [label=${JSON.stringify(n.label)}, ${n.state === "pending" ? 'style="rounded,filled,dashed", ' : ""}fillcolor="${fill[n.state]}", tooltip=${JSON.stringify(stateWords[n.state])}];`;
  const clusters = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) {
    if (n.cluster) (clusters.get(n.cluster) ?? clusters.set(n.cluster, []).get(n.cluster)!).push(n);
    else lines.push(node(n, "  "));
  }
  let i = 0;
  for (const [name, members] of clusters) {
    lines.push(`  subgraph cluster_${i++} {`, `    label=${q(name)};`, "    style=dashed;");
    for (const n of members) lines.push(node(n, "    "));
    lines.push("  }");
  }
  for (const [a, b] of graph.edges) lines.push(`  ${q(a)} -> ${q(b)};`);
  for (const [a, b] of graph.waits) lines.push(`  ${q(a)} -> ${q(b)} [style=dashed];`);
  lines.push("  subgraph cluster_legend {", '    label="state"; style=dotted;');
  for (const s of Object.keys(fill) as TaskState[]) lines.push(`    "legend:${s}" [label="${stateWords[s]}", fillcolor="${fill[s]}"];`);
  lines.push("  }", "}");
  return lines.join("\n") + "\n";
}

export function toMermaid(graph: Graph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `t${i}`]));
  // Labels are made of printable ids already; their line breaks are Mermaid's `<br/>`.
  const label = (s: string) => s.replace(/"/g, "#quot;").replace(/\n/g, "<br/>");
  const lines = ["flowchart LR", ...(Object.keys(fill) as TaskState[]).map((s) => `  classDef ${s} fill:${fill[s]},stroke:#555`)];
  const clusters = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) {
    if (n.cluster) (clusters.get(n.cluster) ?? clusters.set(n.cluster, []).get(n.cluster)!).push(n);
    else lines.push(`  ${ids.get(n.id)}["${label(n.label)}"]:::${n.state}`);
  }
  let i = 0;
  for (const [name, members] of clusters) {
    lines.push(`  subgraph s${i++}["${label(printable(name))}"]`);
    for (const n of members) lines.push(`    ${ids.get(n.id)}["${label(n.label)}"]:::${n.state}`);
    lines.push("  end");
  }
  for (const [a, b] of graph.edges) lines.push(`  ${ids.get(a)} --> ${ids.get(b)}`);
  for (const [a, b] of graph.waits) lines.push(`  ${ids.get(a)} -.-> ${ids.get(b)}`);
  return lines.join("\n") + "\n";
}
