// The diff phase's entry: `diffPlans(before, after)` compares two plans task by task (by id)
// and says what reruns and why. A task present in both reruns when its key changed, when it
// is `cache = false`, or when an upstream task reruns. Its root cause is its own key inputs
// when any differ (causes.ts); otherwise it reruns only because upstream tasks do, and its
// cause is the set of root tasks reached by walking rerunning upstreams. Tasks are grouped
// by cause so that one upstream change in a large sweep reads as one entry.
//
// Linear in tasks + dependency edges for the shapes plans have: root sets are interned and
// shared, so a fan-in over 100,000 tasks with one root costs one pass over its deps.

import { canonicalJson, type Json } from "../plan/canonical.js";
import type { Plan, Task } from "../plan/plan.js";
import { CauseComparer, actionName, taskInputs, type Cause } from "./causes.js";
import { rerunCost, type RerunCost } from "./cost.js";

export type { Cause } from "./causes.js";

export interface TaskRef {
  readonly id: string;
  /** The action's name. */
  readonly action: string;
  /** The sweep group (the id without its `[...]` labels). */
  readonly group: string;
}

export interface ChangedTask extends TaskRef {
  readonly from: string;
  readonly to: string;
  /** Differences in the task's own key inputs; empty when it reruns only because of upstream tasks. */
  readonly causes: readonly Cause[];
  /** Root tasks upstream of this one that rerun (not itself), in plan order. */
  readonly upstream: readonly string[];
}

/** Changed tasks that share their causes: the same own causes and upstream roots. */
export interface CauseGroup {
  readonly causes: readonly Cause[];
  readonly upstream: readonly string[];
  readonly tasks: readonly string[];
  /** The tasks' common sweep group, if they have one. */
  readonly group?: string;
}

export interface PlanDiff {
  /** Only in the second plan, in its order. */
  readonly added: readonly TaskRef[];
  /** Only in the first plan, in its order. */
  readonly removed: readonly TaskRef[];
  /** In both, rerun, in the second plan's order. */
  readonly changed: readonly ChangedTask[];
  /** `changed` grouped by cause, groups in the order of their first task. */
  readonly groups: readonly CauseGroup[];
  readonly unchanged: number;
  /** Of the tasks to run: added and changed. */
  readonly cost: RerunCost;
}

export function hasChanges(diff: PlanDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length > 0;
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
  const old = new Map(before.tasks.map((t) => [t.id, t]));
  const afterIds = new Set(after.tasks.map((t) => t.id));
  const order = depsFirst(after.tasks);
  const position = new Map(after.tasks.map((t, i) => [t.id, i]));
  const roots = new RootSets(position);
  const comparer = new CauseComparer();

  const ref = (plan: Plan, t: Task): TaskRef => ({ id: t.id, action: plan.actions[t.action]?.name ?? actionName(t.action), group: t.group });
  const added: TaskRef[] = [];
  const changedById = new Map<string, ChangedTask>();
  const rootsOf = new Map<string, readonly string[]>();
  const toRun: Task[] = [];
  let unchanged = 0;

  for (const task of order) {
    const prev = old.get(task.id);
    if (!prev) {
      added.push(ref(after, task));
      toRun.push(task);
      continue;
    }
    const rerunDeps = task.deps.filter((d) => rootsOf.has(d));
    if (prev.key === task.key && task.cache && rerunDeps.length === 0) {
      unchanged++;
      continue;
    }
    let causes = comparer.compare(taskInputs(before, prev), taskInputs(after, task));
    if (causes.length === 0 && rerunDeps.length === 0) causes = [{ kind: "key" }];
    const upstream = roots.union(rerunDeps.map((d) => rootsOf.get(d)!));
    rootsOf.set(task.id, causes.length ? roots.union([upstream, [task.id]]) : upstream);
    changedById.set(task.id, { ...ref(after, task), from: prev.key, to: task.key, causes, upstream });
    toRun.push(task);
  }

  const changed = after.tasks.filter((t) => changedById.has(t.id)).map((t) => changedById.get(t.id)!);
  return {
    added: sortByPosition(added, position),
    removed: before.tasks.filter((t) => !afterIds.has(t.id)).map((t) => ref(before, t)),
    changed,
    groups: groupByCause(changed),
    unchanged,
    cost: rerunCost(sortByPosition(toRun, position)),
  };
}

function sortByPosition<T extends { readonly id: string }>(items: T[], position: ReadonlyMap<string, number>): T[] {
  return items.sort((x, y) => position.get(x.id)! - position.get(y.id)!);
}

/** Interned, sorted sets of task ids, so that equal sets are one array. */
class RootSets {
  private readonly interned = new Map<string, readonly string[]>();
  static readonly empty: readonly string[] = [];

  constructor(private readonly position: ReadonlyMap<string, number>) {}

  union(sets: readonly (readonly string[])[]): readonly string[] {
    const distinct = [...new Set(sets)].filter((s) => s.length > 0);
    if (distinct.length === 0) return RootSets.empty;
    if (distinct.length === 1) return distinct[0]!;
    const ids = [...new Set(distinct.flat())].sort((a, b) => this.position.get(a)! - this.position.get(b)!);
    const key = ids.join("\n");
    let set = this.interned.get(key);
    if (!set) this.interned.set(key, (set = ids));
    return set;
  }
}

function groupByCause(changed: readonly ChangedTask[]): CauseGroup[] {
  const groups = new Map<string, { causes: readonly Cause[]; upstream: readonly string[]; tasks: string[]; group: string | undefined }>();
  const causeKeys = new Map<readonly Cause[], string>();
  for (const t of changed) {
    let causeKey = causeKeys.get(t.causes);
    if (causeKey === undefined) causeKeys.set(t.causes, (causeKey = canonicalJson(t.causes as unknown as Json)));
    const key = `${causeKey}\n${t.upstream.join("\n")}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { causes: t.causes, upstream: t.upstream, tasks: [t.id], group: t.group });
    else {
      g.tasks.push(t.id);
      if (g.group !== t.group) g.group = undefined;
    }
  }
  return [...groups.values()].map((g) => ({ causes: g.causes, upstream: g.upstream, tasks: g.tasks, ...(g.group !== undefined ? { group: g.group } : {}) }));
}

/**
 * The tasks with every dependency before its dependents. Plans are written in that order
 * already; a plan JSON from elsewhere may not be, and is sorted (Kahn's algorithm).
 */
function depsFirst(tasks: readonly Task[]): readonly Task[] {
  const ids = new Set(tasks.map((t) => t.id));
  const seen = new Set<string>();
  let ordered = true;
  for (const t of tasks) {
    if (t.deps.some((d) => ids.has(d) && !seen.has(d))) {
      ordered = false;
      break;
    }
    seen.add(t.id);
  }
  if (ordered) return tasks;
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const waiting = new Map(tasks.map((t) => [t.id, t.deps.filter((d) => ids.has(d)).length]));
  const dependents = new Map<string, string[]>();
  for (const t of tasks) for (const d of t.deps) if (ids.has(d)) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(t.id);
  const queue = tasks.filter((t) => waiting.get(t.id) === 0).map((t) => t.id);
  const result: Task[] = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    result.push(byId.get(id)!);
    for (const next of dependents.get(id) ?? []) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  // A cycle cannot come from the compiler; its tasks are compared without upstream causes.
  if (result.length < tasks.length) {
    const placed = new Set(result);
    for (const t of tasks) if (!placed.has(t)) result.push(t);
  }
  return result;
}
