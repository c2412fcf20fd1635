// The diff phase's entry: `diffPlans(before, after)` compares two plans task by task and
// says what reruns and why. Tasks are matched by what they are before by id (match.ts): a
// task whose key is on both sides under different ids has moved and does not rerun. A task
// matched otherwise reruns when its key changed, when it is `cache = false`, or when an
// upstream task reruns. Its root cause is its own key inputs when any differ (causes.ts);
// otherwise it reruns only because upstream tasks do, and its cause is the set of root tasks
// reached by walking rerunning upstreams. Tasks are grouped by cause so that one upstream
// change in a large sweep reads as one entry.
//
// Linear in tasks + dependency edges for the shapes plans have: root sets are interned and
// shared, so a fan-in over 100,000 tasks with one root costs one pass over its deps.

import { canonicalJson, type Json } from "../plan/canonical.js";
import type { Plan, Task } from "../plan/plan.js";
import { CauseComparer, actionName, taskInputs, type Cause } from "./causes.js";
import { rerunCost, type RerunCost } from "./cost.js";
import { matchTasks, renameRefs } from "./match.js";

export type { Cause } from "./causes.js";

export interface TaskRef {
  readonly id: string;
  /** The action's name. */
  readonly action: string;
  /** The sweep group (the id without its `[...]` labels). */
  readonly group: string;
}

/** A task that the first plan has under another id, with the same key: nothing reruns. */
export interface MovedTask extends TaskRef {
  /** Its id in the first plan. */
  readonly was: string;
}

export interface ChangedTask extends TaskRef {
  /** Its id in the first plan, when that was another (a moved task that reruns anyway). */
  readonly was?: string;
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
  /** In both under different ids, with the same key, in the second plan's order. */
  readonly moved: readonly MovedTask[];
  /** In both, rerun, in the second plan's order (dependencies first). */
  readonly changed: readonly ChangedTask[];
  /** `changed` grouped by cause, groups in the order of their first task. */
  readonly groups: readonly CauseGroup[];
  readonly unchanged: number;
  /** Of the tasks to run: added and changed. */
  readonly cost: RerunCost;
}

export function hasChanges(diff: PlanDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length + diff.moved.length > 0;
}

const KEY_ONLY: readonly Cause[] = [{ kind: "key" }];

export function diffPlans(before: Plan, after: Plan): PlanDiff {
  const matching = matchTasks(before, after);
  const old = matching.previous;
  const index = new Map(after.tasks.map((t, i) => [t.id, i]));
  // Tasks are visited dependencies first, which is also the output order. Per-task state is
  // kept in arrays by position: Map operations on ids dominate the time at 100,000 tasks.
  const order = depsFirst(after.tasks, index);
  const position = order === after.tasks ? index : new Map(order.map((t, i) => [t.id, i]));
  const roots = new RootSets(position);
  const comparer = new CauseComparer();
  const nameOf = (plan: Plan, t: Task) => plan.actions[t.action]?.name ?? actionName(t.action);
  const ref = (plan: Plan, t: Task): TaskRef => ({ id: t.id, action: nameOf(plan, t), group: t.group });

  const added: TaskRef[] = [];
  const moved: MovedTask[] = [];
  const changed: ChangedTask[] = [];
  /** The root tasks behind each rerunning task (itself included when it is one), by position. */
  const rootsAt: (readonly string[] | undefined)[] = new Array(order.length);
  const toRun: Task[] = [];
  let unchanged = 0;

  for (let i = 0; i < order.length; i++) {
    const task = order[i]!;
    const prev = old.get(task.id);
    if (!prev) {
      added.push(ref(after, task));
      toRun.push(task);
      continue;
    }
    const upstreamSets: (readonly string[])[] = [];
    for (const d of task.deps) {
      const p = position.get(d);
      const r = p === undefined ? undefined : rootsAt[p];
      if (r) upstreamSets.push(r);
    }
    const was = prev.id !== task.id ? prev.id : undefined;
    if (prev.key === task.key && task.cache && upstreamSets.length === 0) {
      if (was === undefined) unchanged++;
      else moved.push({ id: task.id, action: nameOf(after, task), group: task.group, was });
      continue;
    }
    const earlier = taskInputs(before, prev);
    let causes = comparer.compare({ ...earlier, args: renameRefs(earlier.args, matching.renamed) }, taskInputs(after, task));
    if (causes.length === 0 && upstreamSets.length === 0) causes = KEY_ONLY;
    const upstream = roots.union(upstreamSets);
    rootsAt[i] = causes.length === 0 ? upstream : upstream.length === 0 ? [task.id] : roots.union([upstream, [task.id]]);
    // A literal, not a spread of ref(): this runs for every changed task.
    changed.push({ id: task.id, action: nameOf(after, task), group: task.group, ...(was !== undefined ? { was } : {}), from: prev.key, to: task.key, causes, upstream });
    toRun.push(task);
  }

  return {
    added,
    removed: matching.removed.map((t) => ref(before, t)),
    moved,
    changed,
    groups: groupByCause(changed),
    unchanged,
    cost: rerunCost(toRun),
  };
}

/** Interned, sorted sets of task ids, so that equal sets are one array. */
class RootSets {
  private readonly interned = new Map<string, readonly string[]>();
  static readonly empty: readonly string[] = [];

  constructor(private readonly position: ReadonlyMap<string, number>) {}

  union(sets: readonly (readonly string[])[]): readonly string[] {
    if (sets.length === 0) return RootSets.empty;
    // The common case, even for a fan-in over a whole sweep: every set is the same array.
    const first = sets[0]!;
    if (sets.every((s) => s === first)) return first;
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
  type Draft = { causes: readonly Cause[]; upstream: readonly string[]; tasks: string[]; group: string | undefined };
  const groups = new Map<string, Draft>();
  // Most tasks share their causes and upstream arrays (interned): look those up by identity
  // before building a text key.
  const byIdentity = new Map<readonly Cause[], Map<readonly string[], Draft>>();
  for (const t of changed) {
    let inner = byIdentity.get(t.causes);
    if (!inner) byIdentity.set(t.causes, (inner = new Map()));
    let g = inner.get(t.upstream);
    if (!g) {
      const key = `${causesKey(t.causes)}\n${t.upstream.join("\n")}`;
      g = groups.get(key);
      if (!g) groups.set(key, (g = { causes: t.causes, upstream: t.upstream, tasks: [], group: t.group }));
      inner.set(t.upstream, g);
    }
    g.tasks.push(t.id);
    if (g.group !== t.group) g.group = undefined;
  }
  return [...groups.values()].map((g) => ({ causes: g.causes, upstream: g.upstream, tasks: g.tasks, ...(g.group !== undefined ? { group: g.group } : {}) }));
}

/** Above this many items, a list argument's change is not worth its canonical text. */
const LONG_LIST = 1000;
let unique = 0;

/**
 * A text equal for equal causes, so that tasks with the same root cause (one argument or
 * definition change across a sweep) share a group. A change of a long list argument (a
 * fan-in's) gets a key of its own instead: grouping two such tasks is not worth hashing
 * 100,000 items.
 */
function causesKey(causes: readonly Cause[]): string {
  const long = (v: unknown) => Array.isArray(v) && v.length > LONG_LIST;
  if (causes.some((c) => c.kind === "argument" && (long(c.from) || long(c.to)))) return `#${unique++}`;
  return canonicalJson(causes as unknown as Json);
}

/**
 * The tasks with every dependency before its dependents. Plans are written in that order
 * already; a plan JSON from elsewhere may not be, and is sorted (Kahn's algorithm).
 */
function depsFirst(tasks: readonly Task[], index: ReadonlyMap<string, number>): readonly Task[] {
  let ordered = true;
  check: for (let i = 0; i < tasks.length; i++) {
    for (const d of tasks[i]!.deps) {
      const p = index.get(d);
      if (p !== undefined && p >= i) {
        ordered = false;
        break check;
      }
    }
  }
  if (ordered) return tasks;
  const waiting = tasks.map((t) => t.deps.filter((d) => index.has(d)).length);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((t, i) => {
    for (const d of t.deps) {
      const p = index.get(d);
      if (p !== undefined) dependents[p]!.push(i);
    }
  });
  const queue = tasks.flatMap((_, i) => (waiting[i] === 0 ? [i] : []));
  for (let k = 0; k < queue.length; k++) {
    for (const next of dependents[queue[k]!]!) if (--waiting[next]! === 0) queue.push(next);
  }
  const result = queue.map((i) => tasks[i]!);
  // A cycle cannot come from the compiler; its tasks are compared without upstream causes.
  if (result.length < tasks.length) {
    const placed = new Set(queue);
    tasks.forEach((t, i) => placed.has(i) || result.push(t));
  }
  return result;
}
