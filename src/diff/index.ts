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
import type { ActionDef, Pending, Plan, Task } from "../plan/plan.js";
import { CauseComparer, NO_CAUSES, actionName, keyInputs, sameArgs, type Cause } from "./causes.js";
import { sameFiles } from "../plan/keys.js";
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
  /** The second plan's dynamic loops not planned yet (and the calls waiting on them): what they run is known only once their lists are. */
  readonly pending: readonly Pending[];
}

export function hasChanges(diff: PlanDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length + diff.moved.length + diff.pending.length > 0;
}

const KEY_ONLY: readonly Cause[] = [{ kind: "key" }];

// Per-task state is kept in arrays by position, and dependencies are resolved to positions
// once: Map operations on fresh id strings, and objects made per task, are what costs at
// 100,000 tasks (more than parsing the plans does).
export function diffPlans(before: Plan, after: Plan): PlanDiff {
  const matching = matchTasks(before, after);
  const tasks = after.tasks;
  const deps = resolveDeps(tasks);
  // Tasks are visited dependencies first, which is also the output order.
  const order = depsFirst(tasks, deps);
  const rank = order ? ranksOf(order) : undefined;
  const roots = new RootSets(tasks, order, rank);
  const comparer = new CauseComparer();
  const earlierActions = new Actions(before);
  const actions = new Actions(after);

  const added: TaskRef[] = [];
  const moved: MovedTask[] = [];
  const changed: ChangedTask[] = [];
  /** The root tasks behind each rerunning task (itself included when it is one), by position. */
  const rootsAt: (Roots | undefined)[] = new Array(tasks.length);
  const toRun: Task[] = [];
  let unchanged = 0;

  for (let k = 0; k < tasks.length; k++) {
    const i = order ? order[k]! : k;
    const task = tasks[i]!;
    const p = matching.previous[i]!;
    if (p < 0) {
      added.push({ id: task.id, action: actions.name(task.action), group: task.group });
      toRun.push(task);
      continue;
    }
    const prev = before.tasks[p]!;
    // The upstream root sets, without an array in the common case of one shared set.
    let only: Roots | undefined;
    let several: Roots[] | undefined;
    for (let d = deps.start[i]!; d < deps.start[i + 1]!; d++) {
      const at = deps.at[d]!;
      const r = at < 0 ? undefined : rootsAt[at];
      if (r === undefined) continue;
      if (only === undefined) only = r;
      else if (r !== only) (several ??= [only]).push(r);
    }
    const was = prev.id !== task.id ? prev.id : undefined;
    if (prev.key === task.key && task.cache && only === undefined) {
      if (was === undefined) unchanged++;
      else moved.push({ id: task.id, action: actions.name(task.action), group: task.group, was });
      continue;
    }
    let causes = ownCauses(comparer, matching.renamed, earlierActions, prev, actions, task);
    if (causes.length === 0 && only === undefined) causes = KEY_ONLY;
    const upstream = only === undefined ? RootSets.empty : several ? roots.union(several) : only;
    rootsAt[i] = causes.length === 0 ? upstream : upstream.ids.length === 0 ? roots.single(i) : roots.union([upstream, roots.single(i)]);
    const action = actions.name(task.action);
    // Literals, not spreads: this runs for every changed task.
    changed.push(
      was === undefined
        ? { id: task.id, action, group: task.group, from: prev.key, to: task.key, causes, upstream: upstream.ids }
        : { id: task.id, action, group: task.group, was, from: prev.key, to: task.key, causes, upstream: upstream.ids },
    );
    toRun.push(task);
  }

  return {
    added,
    removed: matching.removed.map((t) => ({ id: t.id, action: earlierActions.name(t.action), group: t.group })),
    moved,
    changed,
    groups: groupByCause(changed),
    unchanged,
    cost: rerunCost(toRun),
    pending: after.pending ?? [],
  };
}

/**
 * The task's own causes. Tasks whose own key inputs are the same on both sides (most of a
 * sweep below a change) are compared field by field, without building their inputs.
 */
function ownCauses(comparer: CauseComparer, renamed: ReadonlyMap<string, string>, earlierActions: Actions, prev: Task, actions: Actions, task: Task): readonly Cause[] {
  const a = earlierActions.get(prev.action);
  const b = actions.get(task.action);
  if (renamed.size === 0 && (a?.definitionHash ?? "") === (b?.definitionHash ?? "") && prev.cache === task.cache && task.cache && sameArgs(prev.args, task.args) && sameFiles(prev.files, task.files)) return NO_CAUSES;
  const earlier = keyInputs(prev, a);
  return comparer.compare({ ...earlier, args: renameRefs(earlier.args, renamed) }, keyInputs(task, b));
}

/** A plan's actions by id, remembering the last asked for: consecutive tasks mostly share one, and a lookup by a fresh id string hashes it. */
class Actions {
  private lastId: string | undefined;
  private last: ActionDef | undefined;
  private lastName = "";

  constructor(private readonly plan: Plan) {}

  get(id: string): ActionDef | undefined {
    if (id !== this.lastId) {
      this.lastId = id;
      this.last = this.plan.actions[id];
      this.lastName = this.last?.name ?? actionName(id);
    }
    return this.last;
  }

  name(id: string): string {
    this.get(id);
    return this.lastName;
  }
}

/** Each task's dependencies as positions in `tasks` (-1 for an id not in the plan), task `i`'s at `start[i]` to `start[i + 1]`. */
interface Deps {
  readonly start: Int32Array;
  readonly at: Int32Array;
}

/**
 * Resolves every dependency to a position. A dependency is most often the task the previous
 * one resolved to (a sweep below one task) or the task after it (a fan-in lists its
 * dependencies in plan order; a chain): those are tried by comparing one id, and a table of
 * ids is built only for a plan where they miss.
 */
function resolveDeps(tasks: readonly Task[]): Deps {
  const start = new Int32Array(tasks.length + 1);
  for (let i = 0; i < tasks.length; i++) start[i + 1] = start[i]! + tasks[i]!.deps.length;
  const at = new Int32Array(start[tasks.length]!);
  let byId: Map<string, number> | undefined;
  let last = -1;
  for (let i = 0, n = 0; i < tasks.length; i++) {
    const ds = tasks[i]!.deps;
    for (let j = 0; j < ds.length; j++, n++) {
      const d = ds[j]!;
      let p: number;
      if (last >= 0 && tasks[last]!.id === d) p = last;
      else if (last + 1 < tasks.length && tasks[last + 1]!.id === d) p = last + 1;
      else {
        if (!byId) {
          byId = new Map();
          for (let t = 0; t < tasks.length; t++) byId.set(tasks[t]!.id, t);
        }
        p = byId.get(d) ?? -1;
      }
      at[n] = p;
      if (p >= 0) last = p;
    }
  }
  return { start, at };
}

/** The rank of each position in `order`. */
function ranksOf(order: Int32Array): Int32Array {
  const rank = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) rank[order[k]!] = k;
  return rank;
}

/** A set of root tasks: their ids in plan order (what a changed task lists as `upstream`), and their ranks in that order. */
interface Roots {
  readonly ids: readonly string[];
  readonly ranks: readonly number[];
}

/** Interned, sorted sets of tasks, so that equal sets are one object. */
class RootSets {
  private readonly interned = new Map<string, Roots>();
  static readonly empty: Roots = { ids: [], ranks: [] };
  /** Ranks seen in the union being made (reset after each). */
  private readonly seen: Uint8Array;

  constructor(
    private readonly tasks: readonly Task[],
    private readonly order: Int32Array | undefined,
    private readonly rank: Int32Array | undefined,
  ) {
    this.seen = new Uint8Array(tasks.length);
  }

  /** The set of the task at position `i` alone. */
  single(i: number): Roots {
    return { ids: [this.tasks[i]!.id], ranks: [this.rank ? this.rank[i]! : i] };
  }

  union(sets: readonly Roots[]): Roots {
    if (sets.length === 0) return RootSets.empty;
    // The common case, even for a fan-in over a whole sweep: every set is the same object.
    const first = sets[0]!;
    if (sets.every((s) => s === first)) return first;
    const distinct = [...new Set(sets)].filter((s) => s.ids.length > 0);
    if (distinct.length === 0) return RootSets.empty;
    if (distinct.length === 1) return distinct[0]!;
    // By rank in a table of flags, not a Set: a fan-in over a sweep of tasks that each
    // changed on their own unites one set per task.
    const ranks: number[] = [];
    let sorted = true;
    for (const s of distinct) {
      for (const r of s.ranks) {
        if (this.seen[r]) continue;
        this.seen[r] = 1;
        if (ranks.length && r < ranks[ranks.length - 1]!) sorted = false;
        ranks.push(r);
      }
    }
    for (const r of ranks) this.seen[r] = 0;
    if (!sorted) ranks.sort((x, y) => x - y);
    const key = ranks.join(",");
    let set = this.interned.get(key);
    if (!set) this.interned.set(key, (set = { ids: ranks.map((r) => this.tasks[this.order ? this.order[r]! : r]!.id), ranks }));
    return set;
  }
}

function groupByCause(changed: readonly ChangedTask[]): CauseGroup[] {
  type Draft = { causes: readonly Cause[]; upstream: readonly string[]; tasks: string[]; group: string | undefined };
  const groups = new Map<string, Draft>();
  // Most tasks share their causes and upstream arrays (interned): look those up by identity
  // before building a text key.
  const byIdentity = new Map<readonly Cause[], Map<readonly string[], Draft>>();
  const draftOf = (t: ChangedTask): Draft => {
    let inner = byIdentity.get(t.causes);
    if (!inner) byIdentity.set(t.causes, (inner = new Map()));
    let g = inner.get(t.upstream);
    if (!g) {
      const key = `${causesKey(t.causes)}\n${t.upstream.join("\n")}`;
      g = groups.get(key);
      if (!g) groups.set(key, (g = { causes: t.causes, upstream: t.upstream, tasks: [], group: t.group }));
      inner.set(t.upstream, g);
    }
    return g;
  };
  let last: ChangedTask | undefined;
  let g: Draft | undefined;
  for (const t of changed) {
    // Consecutive tasks (a sweep) mostly share both: no lookup.
    if (!g || last!.causes !== t.causes || last!.upstream !== t.upstream) g = draftOf(t);
    last = t;
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
 * The positions of the tasks with every dependency before its dependents, or undefined when
 * they are in that order already: plans are written so; a plan JSON from elsewhere may not
 * be, and is sorted (Kahn's algorithm).
 */
function depsFirst(tasks: readonly Task[], deps: Deps): Int32Array | undefined {
  let ordered = true;
  check: for (let i = 0; i < tasks.length; i++) {
    for (let d = deps.start[i]!; d < deps.start[i + 1]!; d++) {
      if (deps.at[d]! >= i) {
        ordered = false;
        break check;
      }
    }
  }
  if (ordered) return undefined;
  const waiting = new Int32Array(tasks.length);
  const dependents: number[][] = tasks.map(() => []);
  for (let i = 0; i < tasks.length; i++) {
    for (let d = deps.start[i]!; d < deps.start[i + 1]!; d++) {
      const p = deps.at[d]!;
      if (p < 0) continue;
      waiting[i]!++;
      dependents[p]!.push(i);
    }
  }
  const queue: number[] = [];
  for (let i = 0; i < tasks.length; i++) if (waiting[i] === 0) queue.push(i);
  for (let k = 0; k < queue.length; k++) {
    for (const next of dependents[queue[k]!]!) if (--waiting[next]! === 0) queue.push(next);
  }
  // A cycle cannot come from the compiler; its tasks are compared without upstream causes.
  if (queue.length < tasks.length) {
    const placed = new Uint8Array(tasks.length);
    for (const i of queue) placed[i] = 1;
    for (let i = 0; i < tasks.length; i++) if (!placed[i]) queue.push(i);
  }
  return Int32Array.from(queue);
}
