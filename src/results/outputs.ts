// `pipe outputs`: the entry pipeline's outputs against the store. Each is "cached" when every
// task output it is made of is in the store, "missing" (naming those tasks) otherwise; a
// scalar's value is read back as `pipe run` prints it, a file or directory is its path.

import type { Plan, PlanValue } from "../plan/plan.js";
import { refsIn, taskFinder } from "../plan/refs.js";
import { inStore, outputPath, storedAs } from "../store/layout.js";
import { isPathOutput, readValue, storedOutput, valueText } from "./values.js";

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
  const find = taskFinder(plan);
  const present = new Map<string, boolean>();
  const has = (key: string) => {
    let p = present.get(key);
    if (p === undefined) present.set(key, (p = inStore(storeDir, key)));
    return p;
  };
  const outputOf = (task: string, output: string) => plan.actions[find(task)!.action]!.outputs.find((o) => o.name === output);
  const typeOf = (task: string, output: string) => outputOf(task, output)?.type ?? "String";
  const fileOf = (task: string, output: string) => outputOf(task, output)?.file ?? output;
  const text = printedValue(plan, storeDir, true);
  return plan.outputs.map((o): EntryOutput => {
    const parts = refsIn(o.value).map((r) => {
      const key = find(r.$ref)!.key;
      return { task: r.$ref, key, output: r.output, inStore: has(key), path: storedOutput(storeDir, key, r.output, typeOf(r.$ref, r.output), false, fileOf(r.$ref, r.output)).path };
    });
    const cached = parts.every((p) => p.inStore);
    return { name: o.name, type: o.type, state: cached ? "cached" : "missing", ...(cached ? { text: text(o.value)! } : {}), parts };
  });
}

/** The entry pipeline's outputs as text, as `pipe run` prints them: scalars by value, files and dirs by store path. */
export function outputValues(plan: Plan, storeDir: string): Record<string, string> {
  const text = printedValue(plan, storeDir, true);
  return Object.fromEntries(plan.outputs.map((o) => [o.name, text(o.value)!]));
}

/**
 * `outputValues` when it needs nothing from the store: when every task output in the entry's
 * outputs is a file or directory, whole, printed as its path; undefined otherwise.
 */
export function pathOutputValues(plan: Plan, storeDir: string): Record<string, string> | undefined {
  const text = printedValue(plan, storeDir, false);
  const texts: Record<string, string> = {};
  for (const o of plan.outputs) {
    const t = text(o.value);
    if (t === undefined) return undefined;
    texts[o.name] = t;
  }
  return texts;
}

/** How `pipe run` prints a value; with `readBack` false, undefined for one it would read back from the store. */
function printedValue(plan: Plan, storeDir: string, readBack: boolean): (v: PlanValue) => string | undefined {
  const find = taskFinder(plan);
  return (v) => {
    let unread = false;
    const text = (x: PlanValue): string => {
      if (x === null) return "none";
      if (Array.isArray(x)) return `[${x.map(text).join(", ")}]`;
      if (typeof x !== "object") return String(x);
      if ("$path" in x) return x.$path;
      if ("$record" in x) return `{${Object.entries(x.$record).map(([k, f]) => `${k} = ${text(f)}`).join(", ")}}`;
      const task = find(x.$ref)!;
      const output = plan.actions[task.action]!.outputs.find((o) => o.name === x.output);
      const file = outputPath(storeDir, task.key, output ? storedAs(output) : x.output);
      const type = output?.type ?? "String";
      if (isPathOutput(type) && !x.fields) return file;
      if (!readBack) {
        unread = true;
        return "";
      }
      const value = readValue(file, type, x.fields ?? []);
      if (value === undefined) return `(missing: ${file})`;
      return typeof value === "string" ? value : valueText(value);
    };
    const t = text(v);
    return unread ? undefined : t;
  };
}
