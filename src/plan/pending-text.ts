// The words for a pending part of a plan (plan.ts, `Pending`), as `pipe plan`, `pipe graph`
// and `pipe diff` show it.

import { printable } from "../printable.js";
import type { Pending } from "./plan.js";

const names = (ids: readonly string[]) => ids.map((id) => `\`${printable(id)}\``).join(", ");

export function pendingText(p: Pending): string {
  if (p.kind === "call") return `waits on the loop ${names(p.after)}`;
  const lists = p.over.map((o) => `\`${printable(o.task)}.${o.output}\``);
  if (p.after.length) lists.push(`the lists ${names(p.after)} makes`);
  const tasks = [...new Set(p.over.map((o) => o.task))];
  const known = [...(tasks.length ? [`${names(tasks)} ${tasks.length === 1 ? "has" : "have"} run`] : []), ...(p.after.length ? [`${names(p.after)} ${p.after.length === 1 ? "has" : "have"} run`] : [])];
  return `one task per element of ${lists.join(" and ")}, known when ${known.join(" and ")}`;
}
