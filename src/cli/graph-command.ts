// `pipe graph`: the plan's DAG as Graphviz DOT or Mermaid, tasks labelled with their action.

import type { Pending, Plan } from "../plan/plan.js";
import { printable } from "../printable.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, type Io } from "./io.js";

export async function graphCommand(file: string, flags: PlanFlags & { format?: string }, io: Io): Promise<number> {
  const format = flags.format ?? "dot";
  if (format !== "dot" && format !== "mermaid") {
    io.err(`pipe: unknown graph format "${format}"; use dot or mermaid\n`);
    return Exit.invalid;
  }
  const built = await buildPlan(file, flags, io);
  if (!built) return Exit.invalid;
  io.out(format === "dot" ? toDot(built.plan) : toMermaid(built.plan));
  return Exit.ok;
}

export function toDot(plan: Plan): string {
  // Ids as printed everywhere, then quoted: DOT reads `\\` as a backslash, as JSON writes it.
  const q = (s: string) => JSON.stringify(printable(s));
  const lines = [`digraph ${q(plan.entry)} {`, "  rankdir=LR;", "  node [shape=box, fontname=monospace];"];
  for (const t of plan.tasks) lines.push(`  ${q(t.id)} [label=${JSON.stringify(`${printable(t.id)}\n${printable(plan.actions[t.action]!.name)}`)}];`);
  for (const t of plan.tasks) for (const d of t.deps) lines.push(`  ${q(d)} -> ${q(t.id)};`);
  // A dynamic loop not planned yet is one node, from the tasks whose lists it waits on.
  for (const p of plan.pending ?? []) {
    lines.push(`  ${q(p.id)} [label=${JSON.stringify(`${printable(p.id)}\npending`)}, style=dashed];`);
    for (const from of pendingFrom(p)) lines.push(`  ${q(from)} -> ${q(p.id)} [style=dashed];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

export function toMermaid(plan: Plan): string {
  const ids = new Map(plan.tasks.map((t, i) => [t.id, `t${i}`]));
  const label = (s: string) => printable(s).replace(/"/g, "#quot;");
  const lines = ["flowchart LR"];
  for (const t of plan.tasks) lines.push(`  ${ids.get(t.id)}["${label(t.id)}<br/>${label(plan.actions[t.action]!.name)}"]`);
  for (const t of plan.tasks) for (const d of t.deps) lines.push(`  ${ids.get(d)} --> ${ids.get(t.id)}`);
  (plan.pending ?? []).forEach((p, i) => ids.set(p.id, `p${i}`));
  for (const p of plan.pending ?? []) {
    lines.push(`  ${ids.get(p.id)}["${label(p.id)}<br/>pending"]`);
    for (const from of pendingFrom(p)) lines.push(`  ${ids.get(from)} -.-> ${ids.get(p.id)}`);
  }
  return lines.join("\n") + "\n";
}

/** What a pending part waits on: the tasks of its lists, and the pending loops before it. */
function pendingFrom(p: Pending): string[] {
  return [...new Set([...p.over.map((o) => o.task), ...p.after])];
}
