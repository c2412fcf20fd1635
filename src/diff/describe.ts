// Causes as short text, shared by the renderings of `pipe diff` and `pipe why`: values in
// `.pipe` syntax (upstream outputs as `task.output`), hashes shortened, long lists shown
// as the items that came and went; control characters escaped (printable.ts).

import type { PlanValue } from "../plan/plan.js";
import { printable, printableLine, printableQuoted } from "../printable.js";
import { canonicalJson, type Json } from "../plan/canonical.js";
import type { Cause } from "./causes.js";
import { append } from "../arrays.js";

const MAX_VALUE = 60;
const MAX_ITEMS = 3;

export function shortHash(hash: string): string {
  return hash.slice(0, 8);
}

/** A value in `.pipe` syntax: `0.001`, `"cuda"`, `data/x.csv`, `main/d.data`, `{lr = 0.1}`. */
export function showValue(v: PlanValue): string {
  if (v === null) return "none";
  if (typeof v === "string") return printableQuoted(v);
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(", ")}]`;
  if ("$path" in v) return printable(v.$path);
  if ("$ref" in v) return [`${printable(v.$ref)}.${v.output}`, ...(v.fields ?? [])].join(".");
  return `{${Object.entries(v.$record).map(([k, f]) => `${k} = ${showValue(f)}`).join(", ")}}`;
}

/**
 * `showValue(v)` when it is at most `limit` long, else a start of it longer than `limit`:
 * enough to clip. A fan-in's list of 100,000 upstream outputs is not made into text to show 60 characters of it.
 */
function showUpTo(v: PlanValue, limit: number): string {
  if (v === null || typeof v !== "object" || !(Array.isArray(v) || "$record" in v)) return showValue(v);
  if (Array.isArray(v)) {
    let text = "[";
    for (let i = 0; i < v.length; i++) {
      text += (i ? ", " : "") + showUpTo(v[i]!, limit);
      if (text.length > limit) return text;
    }
    return text + "]";
  }
  let text = "{";
  let first = true;
  for (const [k, f] of Object.entries(v.$record)) {
    text += `${first ? "" : ", "}${k} = ${showUpTo(f, limit)}`;
    first = false;
    if (text.length > limit) return text;
  }
  return text + "}";
}

function clip(text: string): string {
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
}

/** `seed: 1 → 2`; a long list as `scores: 6 → 6 items, -a, +b`. */
function argumentChange(name: string, from: PlanValue | undefined, to: PlanValue | undefined): string {
  if (from === undefined) return `${name}: added, ${clip(showUpTo(to!, MAX_VALUE))}`;
  if (to === undefined) return `${name}: removed, was ${clip(showUpTo(from, MAX_VALUE))}`;
  const a = showUpTo(from, MAX_VALUE);
  const b = showUpTo(to, MAX_VALUE);
  if (Array.isArray(from) && Array.isArray(to) && (a.length > MAX_VALUE || b.length > MAX_VALUE)) {
    return `${name}: ${listChange(from, to)}`;
  }
  return `${name}: ${clip(a)} → ${clip(b)}`;
}

function listChange(from: readonly PlanValue[], to: readonly PlanValue[]): string {
  // Multiset difference by item text, in one pass over each list (a fan-in's list can hold
  // 100,000 upstream outputs).
  const itemKey = keyFor(from, to);
  const left = new Map<string, number>();
  for (const v of from) {
    const k = itemKey(v);
    left.set(k, (left.get(k) ?? 0) + 1);
  }
  const came: PlanValue[] = [];
  for (const v of to) {
    const k = itemKey(v);
    const n = left.get(k);
    if (n) left.set(k, n - 1);
    else came.push(v);
  }
  const gone: PlanValue[] = [];
  for (const v of from) {
    const k = itemKey(v);
    const n = left.get(k);
    if (n) {
      left.set(k, n - 1);
      gone.push(v);
    }
  }
  const parts = [`${from.length} → ${to.length} items`];
  const some = (sign: string, items: PlanValue[]) => {
    const shown = items.slice(0, MAX_ITEMS).map((v) => sign + clip(showValue(v)));
    if (items.length > MAX_ITEMS) shown.push(`${sign}${items.length - MAX_ITEMS} more`);
    return shown;
  };
  if (gone.length === 0 && came.length === 0) parts.push("same items, new order");
  append(append(parts, some("-", gone)), some("+", came));
  return parts.join(", ");
}

/**
 * A text that identifies a list item. Upstream outputs, which a fan-in lists by the
 * 100,000, are named by their task id alone when every item is an output of that name:
 * the id strings exist already, and building one more string per item is what costs.
 */
function keyFor(from: readonly PlanValue[], to: readonly PlanValue[]): (v: PlanValue) => string {
  const first = from[0] ?? to[0];
  const ref = first && typeof first === "object" && "$ref" in first ? first : undefined;
  const output = ref?.output;
  const fields = ref?.fields?.join(".");
  const sameOutput = (v: PlanValue) => v !== null && typeof v === "object" && "$ref" in v && v.output === output && v.fields?.join(".") === fields;
  if (output !== undefined && from.every(sameOutput) && to.every(sameOutput)) return (v) => (v as { $ref: string }).$ref;
  return (v) => (v === null || typeof v !== "object" ? `${typeof v}:${String(v)}` : canonicalJson(v as Json));
}

const ROLE: Record<string, string> = { uses: "uses", input: "input", ts: "TypeScript implementation", py: "Python implementation" };

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
      const what = `${ROLE[c.role]} ${printable(c.path)}`;
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
  return [`${causeSummary(c)}:`, ...c.diff.map((l) => `  ${printableLine(l)}`)];
}

/** One cause in brief, with how many more there are: `argument seed: 1 → 2, and 1 more`. */
export function causesBrief(causes: readonly Cause[]): string {
  if (causes.length === 0) return "";
  const more = causes.length - 1;
  return causeSummary(causes[0]!) + (more ? `, and ${more} more` : "");
}
