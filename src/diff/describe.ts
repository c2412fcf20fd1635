// Causes as short text, shared by the renderings of `pipe diff` and `pipe why`: values in
// `.pipe` syntax (upstream outputs as `task.output`), hashes shortened, long lists shown
// as the items that came and went.

import type { PlanValue } from "../plan/plan.js";
import { canonicalJson, type Json } from "../plan/canonical.js";
import type { Cause } from "./causes.js";

const MAX_VALUE = 60;
const MAX_ITEMS = 3;

export function shortHash(hash: string): string {
  return hash.slice(0, 8);
}

/** A value in `.pipe` syntax: `0.001`, `"cuda"`, `data/x.csv`, `main/d.data`, `{lr = 0.1}`. */
export function showValue(v: PlanValue): string {
  if (v === null) return "none";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(", ")}]`;
  if ("$path" in v) return v.$path;
  if ("$ref" in v) return `${v.$ref}.${v.output}`;
  return `{${Object.entries(v.$record).map(([k, f]) => `${k} = ${showValue(f)}`).join(", ")}}`;
}

function clip(text: string): string {
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
}

/** `seed: 1 → 2`; a long list as `scores: 6 → 6 items, -a, +b`. */
function argumentChange(name: string, from: PlanValue | undefined, to: PlanValue | undefined): string {
  if (from === undefined) return `${name}: added, ${clip(showValue(to!))}`;
  if (to === undefined) return `${name}: removed, was ${clip(showValue(from))}`;
  const a = showValue(from);
  const b = showValue(to);
  if (Array.isArray(from) && Array.isArray(to) && (a.length > MAX_VALUE || b.length > MAX_VALUE)) {
    return `${name}: ${listChange(from, to)}`;
  }
  return `${name}: ${clip(a)} → ${clip(b)}`;
}

function listChange(from: readonly PlanValue[], to: readonly PlanValue[]): string {
  const count = (items: readonly PlanValue[]) => {
    const m = new Map<string, { value: PlanValue; n: number }>();
    for (const v of items) {
      const k = itemKey(v);
      const e = m.get(k);
      if (e) e.n++;
      else m.set(k, { value: v, n: 1 });
    }
    return m;
  };
  const a = count(from);
  const b = count(to);
  const gone: PlanValue[] = [];
  const came: PlanValue[] = [];
  for (const [k, e] of a) for (let i = b.get(k)?.n ?? 0; i < e.n; i++) gone.push(e.value);
  for (const [k, e] of b) for (let i = a.get(k)?.n ?? 0; i < e.n; i++) came.push(e.value);
  const parts = [`${from.length} → ${to.length} items`];
  const some = (sign: string, items: PlanValue[]) => {
    const shown = items.slice(0, MAX_ITEMS).map((v) => sign + clip(showValue(v)));
    if (items.length > MAX_ITEMS) shown.push(`${sign}${items.length - MAX_ITEMS} more`);
    return shown;
  };
  if (gone.length === 0 && came.length === 0) parts.push("same items, new order");
  parts.push(...some("-", gone), ...some("+", came));
  return parts.join(", ");
}

/** A text that identifies a list item; cheap for the upstream outputs a fan-in lists by the 100,000. */
function itemKey(v: PlanValue): string {
  if (v === null || typeof v !== "object") return typeof v + ":" + String(v);
  if ("$ref" in v) return `ref:${v.$ref}\0${v.output}`;
  return canonicalJson(v as Json);
}

const ROLE: Record<string, string> = { uses: "uses", input: "input", ts: "TypeScript implementation" };

/**
 * The cause on one line (a definition change without its diff), shaped like an argument
 * change — `what: old → new` — so that it reads inside the parentheses of an upstream cause.
 */
export function causeSummary(c: Cause): string {
  // Shared cause objects are described once: a list argument of a large fan-in takes time.
  let text = summaries.get(c);
  if (text === undefined) summaries.set(c, (text = summarize(c)));
  return text;
}

const summaries = new WeakMap<Cause, string>();

function summarize(c: Cause): string {
  switch (c.kind) {
    case "argument":
      return `argument ${argumentChange(c.name, c.from, c.to)}`;
    case "definition":
      return c.fromAction ? `now calls action ${c.action}, was ${c.fromAction}` : `definition of ${c.action} changed`;
    case "file": {
      const what = `${ROLE[c.role]} ${c.path}`;
      if (c.from === undefined) return `${what}: added, ${shortHash(c.to!)}`;
      if (c.to === undefined) return `${what}: removed, was ${shortHash(c.from)}`;
      return `${what}: ${shortHash(c.from)} → ${shortHash(c.to)}`;
    }
    case "cache":
      return c.to ? "cache switched on, was cache = false" : "cache = false, was cached: reruns every time";
    case "uncached":
      return "cache = false: reruns every time";
    case "key":
      return "key changed, its inputs did not: a new key format";
  }
}

/** The cause as lines: the summary, then for a definition its diff. */
export function causeLines(c: Cause): string[] {
  if (c.kind !== "definition" || c.diff.length === 0) return [causeSummary(c)];
  return [`${causeSummary(c)}:`, ...c.diff.map((l) => `  ${l}`)];
}

/** One cause in brief, with how many more there are: `argument seed: 1 → 2, and 1 more`. */
export function causesBrief(causes: readonly Cause[]): string {
  if (causes.length === 0) return "";
  const more = causes.length - 1;
  return causeSummary(causes[0]!) + (more ? `, and ${more} more` : "");
}
