// `pipe why` as text: the task's state, and for a new key what differs from its most recent
// run: its own inputs, the direct upstream tasks that changed, and behind them each root
// cause once (grouped by cause, as `pipe diff` does), with the tasks it reached them through.

import { printable } from "../printable.js";
import { causeLines, shortHash } from "./describe.js";
import type { RootGroup, UpstreamChange, Why } from "./why.js";
import { append } from "../arrays.js";

/** Listed in full up to this many; beyond, the first LISTED and a count. */
const FULL_LIST = 6;
const LISTED = 5;

export function renderWhy(why: Why): string {
  if (why.state === "cached") return `${printable(why.id)} is cached: key ${shortHash(why.key)} is in the store\n`;
  const head = `${printable(why.id)} will run`;
  switch (why.reason) {
    case "cache = false":
      return `${head}: its action says cache = false, so it runs every time\n`;
    case "forced":
      return `${head}: --force names it\n`;
    case "upstream reruns":
      return `${head}: upstream ${printable(why.because ?? "")} reruns (key ${shortHash(why.key)} is in the store, but is built again on the new result)\n`;
    case "new key":
      break;
  }
  const lines = [`${head}: key ${shortHash(why.key)} is not in the store`];
  if (!why.previous) {
    lines.push(`the store has no earlier run of ${printable(why.id)} to compare with`);
    return lines.join("\n") + "\n";
  }
  const p = why.previous;
  const others = (why.entries ?? 1) - 1;
  lines.push(`compared with its most recent run (key ${shortHash(p.key)}${p.end ? `, finished ${p.end}` : ""}${others ? `; ${others} older in the store` : ""}):`);
  append(lines, p.causes.flatMap(causeLines).map((l) => `    ${l}`));
  if (p.upstream.length === 0) return lines.join("\n") + "\n";
  const only = p.roots.length === 1 && p.roots[0]!.tasks.length === 1 ? p.roots[0]! : undefined;
  if (only && p.through.length === 0 && p.upstream.length === 1 && p.upstream[0]!.id === only.tasks[0]!.id) {
    // One upstream task, itself the root: its causes directly under it.
    append(lines, rootLines(only, "    ", "upstream "));
    return lines.join("\n") + "\n";
  }
  const names = p.upstream.length <= FULL_LIST ? p.upstream.map(changeText).join(", ") : `${p.upstream.slice(0, LISTED).map((u) => printable(u.id)).join(", ")} and ${p.upstream.length - LISTED} more`;
  lines.push(`    upstream ${names} changed, because of:`);
  for (const g of p.roots.slice(0, FULL_LIST)) append(lines, rootLines(g, "        ", ""));
  if (p.roots.length > FULL_LIST) lines.push(`        … and ${p.roots.length - FULL_LIST} more root causes (pipe why --json lists every one)`);
  if (p.through.length) lines.push(`        through ${p.through.length === 1 ? "" : `${p.through.length} tasks: `}${summarizeIds(p.through)}`);
  return lines.join("\n") + "\n";
}

function changeText(u: UpstreamChange): string {
  return `${printable(u.id)} (${shortHash(u.from)} → ${shortHash(u.to)})`;
}

function rootLines(g: RootGroup, indent: string, prefix: string): string[] {
  const one = g.tasks.length === 1 ? g.tasks[0]! : undefined;
  const subject = one ? `${prefix}${changeText(one)}` : `${prefix}${g.tasks.length} tasks${g.group ? ` in ${printable(g.group)}` : ""}`;
  if (g.missing) return [`${indent}${subject}: ${one ? "its earlier entry is" : "their earlier entries are"} no longer in the store`, ...listed(g, indent)];
  if (g.cut) return [`${indent}${subject}: further upstream: pipe why ${one ? one.id : g.tasks[0]!.id}`, ...listed(g, indent)];
  return [`${indent}${subject}:`, ...g.causes.flatMap(causeLines).map((l) => `${indent}    ${l}`), ...listed(g, indent)];
}

function listed(g: RootGroup, indent: string): string[] {
  if (g.tasks.length === 1) return [];
  const ids = g.tasks.map((t) => printable(t.id));
  if (ids.length <= FULL_LIST) return [`${indent}    ${ids.join(", ")}`];
  return [`${indent}    ${ids.slice(0, LISTED).join(", ")} and ${ids.length - LISTED} more`];
}

/** `main/all, main/pick, 6 in main/runs`: tasks of one sweep group counted. */
function summarizeIds(tasks: readonly { id: string; group: string }[]): string {
  const groups = new Map<string, string[]>();
  for (const { id, group } of tasks) (groups.get(group) ?? groups.set(group, []).get(group)!).push(id);
  const parts = [...groups].map(([g, members]) => (members.length === 1 ? printable(members[0]!) : `${members.length} in ${printable(g)}`));
  return parts.length <= FULL_LIST ? parts.join(", ") : `${parts.slice(0, LISTED).join(", ")} and ${parts.length - LISTED} more`;
}
