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
  // In pieces: the DOT of a plan of 500,000 tasks is some 75 MB, and its lines, their text
  // joined and the bytes written would each be as much again.
  const out = new Pieces((text) => io.out(text));
  if (format === "dot") toDot(graph, built.plan.entry, out);
  else toMermaid(graph, out);
  out.flush();
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

/** Edges as pairs of node positions, `[from0, to0, from1, to1, …]`, each drawn once. */
export interface Graph {
  readonly nodes: GraphNode[];
  readonly edges: readonly number[];
  /** Into a pending part, from what it waits on: drawn dashed. */
  readonly waits: readonly number[];
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
  /** The node each task is drawn in, by id. */
  const nodeOf = new Map<string, number>();
  const nodes: GraphNode[] = [];
  for (const [group, tasks] of bySweep) {
    const sweep = tasks.length > 1 || tasks[0]!.id !== group;
    if (sweep && !expand && tasks.length > EXPAND_LIMIT) {
      const taskStatesHere = tasks.map((t) => states.get(t.id)!);
      const action = plan.actions[tasks[0]!.action]!.name;
      for (const t of tasks) nodeOf.set(t.id, nodes.length);
      nodes.push({ id: group, label: `${printable(group)} ×${tasks.length}\n${action}\n${counts(taskStatesHere)}`, state: worst(taskStatesHere) });
      continue;
    }
    for (const t of tasks) {
      const state = states.get(t.id)!;
      nodeOf.set(t.id, nodes.length);
      nodes.push({ id: t.id, label: `${printable(t.id)}\n${printable(plan.actions[t.action]!.name)}`, state, ...(sweep ? { cluster: group } : {}) });
    }
  }
  const edges = new EdgeList(nodes.length);
  for (const t of plan.tasks) {
    const to = nodeOf.get(t.id)!;
    for (const d of t.deps) edges.add(nodeOf.get(d)!, to);
  }
  return withPending(plan, nodes, edges.pairs, (id) => nodeOf.get(id));
}

function actionGraph(plan: Plan, states: Map<string, TaskState>): Graph {
  const byAction = new Map<string, TaskState[]>();
  for (const t of plan.tasks) (byAction.get(t.action) ?? byAction.set(t.action, []).get(t.action)!).push(states.get(t.id)!);
  const nodes = [...byAction].map(([action, s]): GraphNode => ({ id: action, label: `${printable(plan.actions[action]!.name)}\n${s.length} task${s.length === 1 ? "" : "s"}: ${counts(s)}`, state: worst(s) }));
  const position = new Map(nodes.map((n, i) => [n.id, i]));
  const actionOf = new Map(plan.tasks.map((t) => [t.id, t.action]));
  const edges = new EdgeList(nodes.length);
  for (const t of plan.tasks) {
    const to = position.get(t.action)!;
    for (const d of t.deps) edges.add(position.get(actionOf.get(d)!)!, to);
  }
  return withPending(plan, nodes, edges.pairs, (id) => {
    const action = actionOf.get(id);
    return action === undefined ? undefined : position.get(action);
  });
}

/**
 * The graph with a node per pending part of the plan. `nodeOf` gives the node a task is
 * drawn in; what a pending part waits on that is no task is another pending part.
 */
function withPending(plan: Plan, nodes: GraphNode[], edges: readonly number[], nodeOf: (id: string) => number | undefined): Graph {
  const pending = plan.pending ?? [];
  const pendingAt = new Map<string, number>();
  for (const p of pending) {
    pendingAt.set(p.id, nodes.length);
    nodes.push({ id: p.id, label: `${printable(p.id)}\npending`, state: "pending" });
  }
  const waits = new EdgeList(nodes.length);
  for (const p of pending) for (const from of pendingFrom(p)) waits.add(nodeOf(from) ?? pendingAt.get(from)!, pendingAt.get(p.id)!);
  return { nodes, edges, waits: waits.pairs };
}

function pendingFrom(p: Pending): string[] {
  return [...new Set([...p.over.map((o) => o.task), ...p.after])];
}

/** Edges between node positions, in the order first added, without loops or repeats. */
class EdgeList {
  readonly pairs: number[] = [];
  private readonly seen = new Set<number>();

  constructor(private readonly nodes: number) {}

  add(from: number, to: number): void {
    // One number per edge: below 2^53 for any plan within the task limit.
    const key = from * this.nodes + to;
    if (from === to || this.seen.has(key)) return;
    this.seen.add(key);
    this.pairs.push(from, to);
  }
}

/** Text written in pieces of about CHUNK characters. */
class Pieces {
  private parts: string[] = [];
  private size = 0;
  private static readonly CHUNK = 1 << 16;

  constructor(private readonly write: (text: string) => void) {}

  line(text: string): void {
    this.parts.push(text, "\n");
    this.size += text.length + 1;
    if (this.size >= Pieces.CHUNK) this.flush();
  }

  flush(): void {
    if (this.parts.length) this.write(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
}

export function toDot(graph: Graph, entry: string, out: Pieces): void {
  // Ids as printed everywhere, then quoted: DOT reads `\\` as a backslash, as JSON writes it.
  const q = (s: string) => JSON.stringify(printable(s));
  out.line(`digraph ${q(entry)} {`);
  out.line("  rankdir=LR;");
  out.line('  node [shape=box, style="rounded,filled", fontname=monospace];');
  const node = (n: GraphNode, indent: string) =>
    `${indent}${q(n.id)} [label=${JSON.stringify(n.label)}, ${n.state === "pending" ? 'style="rounded,filled,dashed", ' : ""}fillcolor="${fill[n.state]}", tooltip=${JSON.stringify(stateWords[n.state])}];`;
  const clusters = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) {
    if (n.cluster) (clusters.get(n.cluster) ?? clusters.set(n.cluster, []).get(n.cluster)!).push(n);
    else out.line(node(n, "  "));
  }
  let i = 0;
  for (const [name, members] of clusters) {
    out.line(`  subgraph cluster_${i++} {`);
    out.line(`    label=${q(name)};`);
    out.line("    style=dashed;");
    for (const n of members) out.line(node(n, "    "));
    out.line("  }");
  }
  const id = (k: number) => q(graph.nodes[k]!.id);
  for (let k = 0; k < graph.edges.length; k += 2) out.line(`  ${id(graph.edges[k]!)} -> ${id(graph.edges[k + 1]!)};`);
  for (let k = 0; k < graph.waits.length; k += 2) out.line(`  ${id(graph.waits[k]!)} -> ${id(graph.waits[k + 1]!)} [style=dashed];`);
  out.line("  subgraph cluster_legend {");
  out.line('    label="state"; style=dotted;');
  for (const s of Object.keys(fill) as TaskState[]) out.line(`    "legend:${s}" [label="${stateWords[s]}", fillcolor="${fill[s]}"];`);
  out.line("  }");
  out.line("}");
}

export function toMermaid(graph: Graph, out: Pieces): void {
  // Labels are made of printable ids already; their line breaks are Mermaid's `<br/>`.
  const label = (s: string) => s.replace(/"/g, "#quot;").replace(/\n/g, "<br/>");
  out.line("flowchart LR");
  for (const s of Object.keys(fill) as TaskState[]) out.line(`  classDef ${s} fill:${fill[s]},stroke:#555`);
  const clusters = new Map<string, number[]>();
  graph.nodes.forEach((n, k) => {
    if (n.cluster) (clusters.get(n.cluster) ?? clusters.set(n.cluster, []).get(n.cluster)!).push(k);
    else out.line(`  t${k}["${label(n.label)}"]:::${n.state}`);
  });
  let i = 0;
  for (const [name, members] of clusters) {
    out.line(`  subgraph s${i++}["${label(printable(name))}"]`);
    for (const k of members) out.line(`    t${k}["${label(graph.nodes[k]!.label)}"]:::${graph.nodes[k]!.state}`);
    out.line("  end");
  }
  for (let k = 0; k < graph.edges.length; k += 2) out.line(`  t${graph.edges[k]} --> t${graph.edges[k + 1]}`);
  for (let k = 0; k < graph.waits.length; k += 2) out.line(`  t${graph.waits[k]} -.-> t${graph.waits[k + 1]}`);
}
