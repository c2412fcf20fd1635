// `pipe why` as text: the task's state, and for a new key what differs from its most recent
// run, upstream changes nested under the upstream task that carries them.

import { printable } from "../printable.js";
import { causeLines, shortHash } from "./describe.js";
import type { UpstreamWhy, Why } from "./why.js";
import { append } from "../arrays.js";

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
  for (const u of p.upstream) append(lines, upstreamLines(u, "    "));
  return lines.join("\n") + "\n";
}

function upstreamLines(u: UpstreamWhy, indent: string): string[] {
  const head = `${indent}upstream ${printable(u.id)} changed (${shortHash(u.from)} → ${shortHash(u.to)})`;
  if (u.missing) return [`${head}; its earlier entry is no longer in the store`];
  if (u.cut) return [`${head}; further upstream: pipe why ${u.id}`];
  const inner = indent + "    ";
  return [`${head}:`, ...u.causes.flatMap(causeLines).map((l) => inner + l), ...u.upstream.flatMap((v) => upstreamLines(v, inner))];
}
