// What will run and why: each task of a plan against the store. A task runs when its key
// is not in the store, when its action says `cache = false`, when `--force` names it, or
// when an upstream task reruns for one of the last two reasons (its key is then unchanged,
// so the store alone would not tell).

import fs from "node:fs";
import { printable } from "../printable.js";
import { inStore } from "../store/index.js";
import type { Plan, Task } from "./plan.js";

export type Reason = "new key" | "cache = false" | "forced" | "upstream reruns";

export interface TaskState {
  readonly task: Task;
  readonly run: boolean;
  readonly reason?: Reason;
  /** For "upstream reruns": the upstream task that does. */
  readonly because?: string;
}

/**
 * Glob-like task patterns for `--force` and `pipe logs`: `*` matches any run of characters.
 * A pattern matches an id as written or as printed (control characters escaped), so that
 * an id copied from pipe's output finds its task.
 */
export function taskMatcher(patterns: readonly string[]): (id: string) => boolean {
  const res = patterns.map((p) => new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s"));
  return (id) => res.some((re) => re.test(id) || re.test(printable(id)));
}

export function planStates(plan: Plan, storeDir: string, force: readonly string[] = []): TaskState[] {
  const forced = taskMatcher(force);
  // No store yet (a first plan): nothing is cached, and no task needs a look.
  const storeExists = fs.existsSync(storeDir);
  const rerunsAnyway = new Set<string>();
  return plan.tasks.map((task) => {
    let state: TaskState;
    const upstream = task.deps.find((d) => rerunsAnyway.has(d));
    if (!task.cache) state = { task, run: true, reason: "cache = false" };
    else if (forced(task.id)) state = { task, run: true, reason: "forced" };
    else if (upstream) state = { task, run: true, reason: "upstream reruns", because: upstream };
    else if (!storeExists || !inStore(storeDir, task.key)) state = { task, run: true, reason: "new key" };
    else state = { task, run: false };
    if (state.run && state.reason !== "new key") rerunsAnyway.add(task.id);
    return state;
  });
}
