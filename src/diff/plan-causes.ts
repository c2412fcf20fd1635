// The root cause of each rerun of `pipe plan`, in a few words, as `pipe diff` finds root
// causes: each task with a new key is compared with its most recent store entry (one scan
// of the store for all of them; past MAX_COMPARED only those where a rerun begins), and one
// whose own inputs are unchanged names the upstream tasks where the change began.

import type { Plan } from "../plan/plan.js";
import type { RunDecision } from "../plan/state.js";
import { printable } from "../printable.js";
import type { StoreEntry } from "../store/index.js";
import { CauseComparer, taskInputs, type Cause } from "./causes.js";
import { causeSummary } from "./describe.js";
import { metaInputs } from "./why.js";

/** Beyond this many tasks where a rerun begins, they are not compared with the store. */
const MAX_COMPARED = 1000;
const ROOTS_NAMED = 1;

/**
 * A short cause for each decision, by position: undefined for a task that does not run for
 * a new key, or whose rerun begins only at tasks never run before (it is simply new).
 * `entriesOf` gives the entries of the tasks asked for, most recent first.
 */
export function planCauses(plan: Plan, states: readonly RunDecision[], entriesOf: (ids: ReadonlySet<string>) => ReadonlyMap<string, readonly StoreEntry[]>): (string | undefined)[] {
  // A plan never run (every task new): reruns begin where tasks have no dependencies; past
  // MAX_COMPARED of them none is compared, so every rerun is simply new.
  if (states.length > MAX_COMPARED && states.every((s) => s.run && s.reason === "new key") && countOf(states, (s) => s.task.deps.length === 0) > MAX_COMPARED) return new Array<string | undefined>(states.length).fill(undefined);
  const position = new Map(plan.tasks.map((t, i) => [t.id, i]));
  const fresh = states.flatMap((s, i) => (s.run && s.reason === "new key" ? [i] : []));
  const isFresh = new Set(fresh);
  const starts = fresh.filter((i) => !states[i]!.task.deps.some((d) => isFresh.has(position.get(d) ?? -1)));
  // Every new key compared when there are few; else only where reruns begin; else none.
  const compared = fresh.length <= MAX_COMPARED ? fresh : starts.length <= MAX_COMPARED ? starts : [];
  const entries = compared.length ? entriesOf(new Set(compared.map((i) => states[i]!.task.id))) : new Map<string, readonly StoreEntry[]>();
  const comparer = new CauseComparer();
  /** The task's own cause, for a task compared with an earlier run of it. */
  const own = new Map<number, string>();
  for (const i of compared) {
    const task = states[i]!.task;
    const latest = entries.get(task.id)?.find((e) => e.key !== task.key);
    // A task never run before is simply new, as is what it reaches.
    if (!latest) continue;
    const causes = comparer.compare(metaInputs(latest.meta), taskInputs(plan, task));
    if (causes.length) own.set(i, brief(causes[0]!) + (causes.length > 1 ? `, and ${causes.length - 1} more` : ""));
    else if (!task.deps.some((d) => isFresh.has(position.get(d) ?? -1))) {
      const moved = Object.entries(latest.meta.upstream).find(([id, key]) => position.has(id) && plan.tasks[position.get(id)!]!.key !== key);
      own.set(i, moved ? `upstream ${printable(moved[0])} is not what its last run read` : "new key");
    }
  }
  // Nothing compared has a cause of its own, and nothing is cached: every rerun is simply new.
  if (own.size === 0 && states.every((s) => s.run)) return new Array<string | undefined>(states.length).fill(undefined);
  /** The positions of the tasks where the rerun of each task began (itself, for such a task), in plan order, interned by text. */
  const rootsAt: (readonly number[] | undefined)[] = new Array(states.length);
  const interned = new Map<string, readonly number[]>();
  for (const i of fresh) {
    const task = states[i]!.task;
    const sets = new Set<readonly number[]>();
    for (const d of task.deps) {
      const r = rootsAt[position.get(d) ?? -1];
      if (r) sets.add(r);
    }
    if (own.has(i) || sets.size === 0) sets.add([i]);
    const all = [...sets];
    if (all.length === 1) rootsAt[i] = all[0]!;
    else {
      // Positions, not ids: a fan-in's rerun begins at 100,000 tasks.
      const at = Array.from(Int32Array.from(new Set(all.flat())).sort());
      const key = at.join(",");
      rootsAt[i] = interned.get(key) ?? interned.set(key, at).get(key)!;
    }
  }
  const anyCached = states.some((s) => !s.run);
  return states.map((_, i) => {
    const roots = rootsAt[i];
    if (!roots) return undefined;
    const mine = own.get(i);
    const others = roots.filter((r) => r !== i);
    const known = others.filter((r) => own.has(r));
    const id = (r: number) => printable(plan.tasks[r]!.id);
    let upstream: string | undefined;
    if (known.length) {
      const more = known.length - ROOTS_NAMED;
      upstream = `upstream ${known.slice(0, ROOTS_NAMED).map(id).join(", ")}${more > 0 ? ` and ${more} more` : ""}${known.length === 1 ? ` (${own.get(known[0]!)})` : ""}`;
    } else if (others.length && anyCached) {
      // Only tasks new to the store upstream, in a plan that has run before (a sweep that gained a value).
      upstream = `upstream ${id(others[0]!)}${others.length > 1 ? ` and ${others.length - 1} more` : ""} (new)`;
    }
    if (mine && mine !== "new key") return upstream && known.length ? `${mine}; ${upstream}` : mine;
    return upstream ?? mine;
  });
}

/** A cause without its hashes: `uses scripts/prep.py changed`. */
function brief(c: Cause): string {
  if (c.kind !== "file" || c.from === undefined || c.to === undefined) return causeSummary(c);
  return `${c.role === "ts" ? "TypeScript" : c.role} ${printable(c.path)} changed`;
}

/** How many of `items` satisfy `test`, without a filtered copy. */
function countOf<T>(items: readonly T[], test: (item: T) => boolean): number {
  let n = 0;
  for (let i = 0; i < items.length; i++) if (test(items[i]!)) n++;
  return n;
}
