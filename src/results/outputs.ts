// `pipe outputs`: the entry pipeline's outputs against the store. Each is "cached" when every
// task output it is made of is in the store, "missing" (naming those tasks) otherwise; a
// scalar's value is read back as `pipe run` prints it, a file or directory is its path.

import type { Plan, PlanValue } from "../plan/plan.js";
import { refsIn } from "../plan/plan.js";
import { inStore } from "../store/index.js";
import { isPathOutput, storedOutput } from "./values.js";

export interface EntryOutputPart {
  readonly task: string;
  readonly key: string;
  readonly output: string;
  readonly inStore: boolean;
  readonly path: string;
}

export interface EntryOutput {
  readonly name: string;
  readonly type: string;
  readonly state: "cached" | "missing";
  /** The value as text (scalars read back, paths for files), when cached. */
  readonly text?: string;
  /** The task outputs it is made of. */
  readonly parts: readonly EntryOutputPart[];
}

export function entryOutputs(plan: Plan, storeDir: string): EntryOutput[] {
  const tasks = new Map(plan.tasks.map((t) => [t.id, t]));
  const present = new Map<string, boolean>();
  const has = (key: string) => {
    let p = present.get(key);
    if (p === undefined) present.set(key, (p = inStore(storeDir, key)));
    return p;
  };
  const typeOf = (task: string, output: string) => plan.actions[tasks.get(task)!.action]!.outputs.find((o) => o.name === output)?.type ?? "String";
  const text = (v: PlanValue): string => {
    if (v === null) return "none";
    if (Array.isArray(v)) return `[${v.map(text).join(", ")}]`;
    if (typeof v !== "object") return String(v);
    if ("$path" in v) return v.$path;
    if ("$record" in v) return `{${Object.entries(v.$record).map(([k, f]) => `${k} = ${text(f)}`).join(", ")}}`;
    const key = tasks.get(v.$ref)!.key;
    const type = typeOf(v.$ref, v.output);
    const stored = storedOutput(storeDir, key, v.output, type, has(key));
    if (isPathOutput(type) || stored.value === undefined) return stored.path;
    return typeof stored.value === "string" ? stored.value : JSON.stringify(stored.value);
  };
  return plan.outputs.map((o): EntryOutput => {
    const parts = refsIn(o.value).map((r) => {
      const key = tasks.get(r.$ref)!.key;
      return { task: r.$ref, key, output: r.output, inStore: has(key), path: storedOutput(storeDir, key, r.output, typeOf(r.$ref, r.output), false).path };
    });
    const cached = parts.every((p) => p.inStore);
    return { name: o.name, type: o.type, state: cached ? "cached" : "missing", ...(cached ? { text: text(o.value) } : {}), parts };
  });
}
