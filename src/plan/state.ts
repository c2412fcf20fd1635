// What will run and why: each task of a plan against the store. A task runs when its key
// is not in the store, when its action says `cache = false`, when `--force` names it, or
// when an upstream task reruns for one of the last two reasons (its key is then unchanged,
// so the store alone would not tell).

import { printable } from "../printable.js";
import { storeLookup } from "../store/layout.js";
import type { Plan, Task } from "./plan.js";

export type Reason = "new key" | "cache = false" | "forced" | "upstream reruns";

/** What the plan says of a task: whether it runs, and why. */
export interface RunDecision {
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
  // No pattern (no `--force`): asked of every task of a plan, so no work at all.
  if (!patterns.length) return () => false;
  return (id) => patterns.some((p) => globMatch(p, id) || globMatch(p, printable(id)));
}

/**
 * Whether `text` matches `pattern`, whose `*` matches any run of characters. Greedy, with
 * one place to return to: at most length × length steps, where a regular expression of
 * many `.*` backtracks for seconds on one long id.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let i = 0;
  let star = -1;
  let mark = 0;
  while (i < text.length) {
    if (pattern[p] === "*") {
      star = p++;
      mark = i;
    } else if (p < pattern.length && pattern[p] === text[i]) {
      p++;
      i++;
    } else if (star >= 0) {
      p = star + 1;
      i = ++mark;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Why a task runs whatever the store holds. */
export interface RunsAnyway {
  readonly reason: Exclude<Reason, "new key">;
  /** For "upstream reruns": the upstream task that does. */
  readonly because?: string;
}

/**
 * The tasks that run whatever the store holds, by id: those whose action says
 * `cache = false`, those `force` names, and every task downstream of one (its key is
 * unchanged, so the store alone would not tell). `pipe plan`, `pipe run` and a Slurm
 * bundle's `force` flags all come from here. Tasks are in plan order, upstream first.
 */
export function runsAnyway(plan: Plan, force: readonly string[] = []): Map<string, RunsAnyway> {
  const forced = taskMatcher(force);
  const anyway = new Map<string, RunsAnyway>();
  for (const task of plan.tasks) {
    // Until one task runs anyway, no lookup (each hashes an id).
    const upstream = anyway.size ? task.deps.find((d) => anyway.has(d)) : undefined;
    if (!task.cache) anyway.set(task.id, { reason: "cache = false" });
    else if (forced(task.id)) anyway.set(task.id, { reason: "forced" });
    else if (upstream) anyway.set(task.id, { reason: "upstream reruns", because: upstream });
  }
  return anyway;
}

export function planStates(plan: Plan, storeDir: string, force: readonly string[] = []): RunDecision[] {
  const anyway = runsAnyway(plan, force);
  const stored = storeLookup(storeDir, plan.tasks.length);
  return plan.tasks.map((task): RunDecision => {
    const why = anyway.size ? anyway.get(task.id) : undefined;
    if (why) return { task, run: true, ...why };
    if (!stored(task.key)) return { task, run: true, reason: "new key" };
    return { task, run: false };
  });
}
