// `pipe why TASK`: why a task of a plan is not cached. When its key is not in the store,
// its key inputs are compared with those recorded in the meta.json of its most recent store
// entry, and every upstream task whose key differs from the one that run consumed is
// explained the same way, against exactly the entry that run read, down to the root causes,
// which are grouped by cause as `pipe diff` groups them: one changed script behind a whole
// sweep is one root, whatever the number of paths from it.

import type { Plan, PlanValue, Task } from "../plan/plan.js";
import { renameRefs } from "./match.js";
import type { Reason } from "../plan/state.js";
import type { Meta, StoreEntry } from "../store/index.js";
import { canonicalJson, type Json } from "../plan/canonical.js";
import { actionName, CauseComparer, sameValue, taskInputs, type Cause, type KeyInputs } from "./causes.js";

/** An upstream task whose key differs from the one an earlier run consumed. */
export interface UpstreamChange {
  readonly id: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Upstream tasks changed by the same root cause: their own key inputs differ alike (one
 * `uses` script for a whole sweep), or their earlier entry is gone, or they are
 * MAX_WHY_DEPTH levels up and not followed further (`pipe why` of one goes on from there).
 */
export interface RootGroup {
  readonly causes: readonly Cause[];
  readonly missing?: boolean;
  readonly cut?: boolean;
  readonly tasks: readonly UpstreamChange[];
  /** The tasks' common sweep group, if they have one. */
  readonly group?: string;
}

export type Why =
  | { readonly state: "cached"; readonly id: string; readonly key: string }
  | {
      readonly state: "run";
      readonly id: string;
      readonly key: string;
      readonly reason: Reason;
      /** For "upstream reruns": the upstream task that does. */
      readonly because?: string;
      /** For "new key": the most recent entry of the task, and what differs from it. */
      readonly previous?: {
        readonly key: string;
        readonly end?: string;
        /** The task's own key inputs that differ. */
        readonly causes: readonly Cause[];
        /** Its direct upstream tasks whose keys differ from the ones that run read. */
        readonly upstream: readonly UpstreamChange[];
        /** The root causes behind those, each once however many paths reach it, grouped by cause. */
        readonly roots: readonly RootGroup[];
        /** The changed tasks between the roots and `upstream`, changed only by their own upstream, in plan order. */
        readonly through: readonly { readonly id: string; readonly group: string }[];
      };
      /** For "new key": how many entries of the task the store has. */
      readonly entries?: number;
    };

/**
 * How many levels of upstream changes are followed: a change at the head of a chain of
 * thousands of tasks would otherwise read thousands of store entries.
 */
export const MAX_WHY_DEPTH = 50;

export interface WhyStore {
  /** The task's entries, most recent first. */
  entriesOf(taskId: string): readonly StoreEntry[];
  /** The entries of an action under any task id, most recent first. */
  entriesOfAction?(action: string): readonly StoreEntry[];
  entryAt(key: string): StoreEntry | undefined;
}

/** `state` is the task's state from `planStates`. */
export function whyTask(plan: Plan, task: Task, state: { run: boolean; reason?: Reason; because?: string }, store: WhyStore): Why {
  if (!state.run) return { state: "cached", id: task.id, key: task.key };
  const reason = state.reason ?? "new key";
  const base = { state: "run" as const, id: task.id, key: task.key, reason, ...(state.because ? { because: state.because } : {}) };
  if (reason !== "new key") return base;
  const byAction = new Map<string, readonly StoreEntry[]>();
  const lookup = store.entriesOfAction;
  if (lookup) store = { ...store, entriesOfAction: (action) => byAction.get(action) ?? byAction.set(action, lookup(action)).get(action)! };
  const entries = earlierRuns(plan, task, store);
  const latest = entries[0];
  if (!latest) return { ...base, entries: 0 };
  return { ...base, entries: entries.length, previous: { key: latest.key, ...(latest.meta.end ? { end: latest.meta.end } : {}), ...explainEntry(plan, task, latest, store) } };
}

/**
 * The store's earlier runs of the task, by what it is rather than by id alone, most likely
 * first: entries whose key is now another task's are that task's (it moved to another id,
 * as a positional `[m=#0]` does when a value is added in front), and for a task with
 * upstream tasks every entry of its action is a candidate, ranked by whether it read exactly
 * the upstream results the task reads now, then by how many plain arguments it shares, then
 * by being under the task's id, then by time.
 */
function earlierRuns(plan: Plan, task: Task, store: WhyStore, readingAlikeOnly = false): readonly StoreEntry[] {
  const { keys, keyOf } = planKeys(plan);
  const byId = store.entriesOf(task.id).filter((e) => e.key !== task.key && !keys.has(e.key));
  if (task.deps.length === 0 || !store.entriesOfAction) return byId;
  const upstream = [...new Set(task.deps)].map((d) => keyOf.get(d) ?? "").sort().join();
  const candidates = new Map([...store.entriesOfAction(task.action), ...byId].filter((e) => !keys.has(e.key)).map((e) => [e.key, e]));
  const rank = (e: StoreEntry): number[] => {
    let same = 0;
    for (const [k, v] of Object.entries(task.args)) if (!hasRef(v) && k in e.meta.args && sameValue(e.meta.args[k]!, v)) same++;
    return [Object.values(e.meta.upstream).sort().join() === upstream ? 1 : 0, same, e.meta.task === task.id ? 1 : 0];
  };
  const ranked = [...candidates.values()].map((e) => ({ e, r: rank(e) }));
  const order = (a: { e: StoreEntry; r: number[] }, b: { e: StoreEntry; r: number[] }) => {
    for (let i = 0; i < a.r.length; i++) if (a.r[i] !== b.r[i]) return b.r[i]! - a.r[i]!;
    return a.e.meta.end !== b.e.meta.end ? (a.e.meta.end < b.e.meta.end ? 1 : -1) : a.e.key < b.e.key ? -1 : 1;
  };
  // Entries of other tasks count only where they read what this one reads: a sweep's other
  // members share the action, not the task.
  return ranked.filter((x) => x.r[0] === 1 || (!readingAlikeOnly && x.e.meta.task === task.id)).sort(order).map((x) => x.e);
}

const keysOfPlan = new WeakMap<Plan, { keys: Set<string>; keyOf: Map<string, string> }>();

/** The plan's keys, and each task's key by id, computed once per plan. */
function planKeys(plan: Plan): { keys: Set<string>; keyOf: Map<string, string> } {
  let known = keysOfPlan.get(plan);
  if (!known) keysOfPlan.set(plan, (known = { keys: new Set(plan.tasks.map((t) => t.key)), keyOf: new Map(plan.tasks.map((t) => [t.id, t.key])) }));
  return known;
}

function hasRef(v: PlanValue): boolean {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some(hasRef);
  if ("$ref" in v) return true;
  if ("$path" in v) return false;
  return Object.values(v.$record).some(hasRef);
}

/**
 * The earlier ids an entry's arguments name where the task's name others at the same place,
 * for ids no longer in the plan: earlier id → id now. So a moved upstream task is compared
 * as the same task, not read as an argument change.
 */
function movedRefs(old: PlanValue, now: PlanValue, inPlan: ReadonlyMap<string, Task>, into: Map<string, string>): void {
  if (old === null || now === null || typeof old !== "object" || typeof now !== "object") return;
  if (Array.isArray(old)) {
    if (Array.isArray(now)) for (let i = 0; i < Math.min(old.length, now.length); i++) movedRefs(old[i]!, now[i]!, inPlan, into);
    return;
  }
  if (Array.isArray(now)) return;
  if ("$ref" in old && "$ref" in now) {
    if (old.$ref !== now.$ref && !inPlan.has(old.$ref)) into.set(old.$ref, now.$ref);
  } else if ("$record" in old && "$record" in now) {
    for (const k of Object.keys(now.$record)) if (k in old.$record) movedRefs(old.$record[k]!, now.$record[k]!, inPlan, into);
  }
}

interface Node {
  readonly change: UpstreamChange;
  readonly depth: number;
}

/**
 * What differs between `task` and the entry of an earlier run: its own key inputs, then,
 * breadth first, every upstream task whose key differs from the one that run read, each
 * compared with exactly the entry that run read (once per task and entry, so a diamond of
 * paths costs each task once), down to the tasks whose own inputs changed.
 */
export function explainEntry(plan: Plan, task: Task, entry: StoreEntry, store: WhyStore) {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const comparer = new CauseComparer();
  const moves = (t: Task, e: StoreEntry): Map<string, string> => {
    const into = new Map<string, string>();
    for (const k of Object.keys(t.args)) if (k in e.meta.args) movedRefs(e.meta.args[k]!, t.args[k]!, byId, into);
    return into;
  };
  /** The entry's key inputs, its moved upstream ids renamed to the ids they have now. */
  const earlier = (e: StoreEntry, moved: ReadonlyMap<string, string>): KeyInputs => {
    const inputs = metaInputs(e.meta);
    return moved.size ? { ...inputs, args: renameRefs(inputs.args, moved) } : inputs;
  };
  /** The entry a task's earlier run made, found by what it reads (earlierRuns), when one is. */
  const readsAlike = new Map<string, string | undefined>();
  const previousByWhatItIs = (id: string): string | undefined => {
    if (readsAlike.has(id)) return readsAlike.get(id);
    const t = byId.get(id);
    const first = t && t.deps.length ? earlierRuns(plan, t, store, true)[0]?.key : undefined;
    readsAlike.set(id, first);
    return first;
  };
  const changedDeps = (t: Task, e: StoreEntry, moved: ReadonlyMap<string, string>): UpstreamChange[] => {
    const was = new Map([...moved].map(([a, b]) => [b, a]));
    const read = new Set(Object.values(e.meta.upstream));
    const claimed = new Set<string>();
    const from = new Map<string, string>();
    const deps = [...new Set(t.deps)].sort().filter((id) => !read.has(byId.get(id)?.key ?? ""));
    // First the upstream tasks whose earlier run that entry read, found by what they read
    // (a value added in front of a list shifts positional ids), then by id for the rest.
    for (const id of deps) {
      const prev = previousByWhatItIs(id);
      if (prev === undefined || !read.has(prev) || claimed.has(prev)) continue;
      from.set(id, prev);
      claimed.add(prev);
    }
    for (const id of deps) {
      if (from.has(id)) continue;
      const old = e.meta.upstream[id] ?? e.meta.upstream[was.get(id) ?? ""];
      if (old === undefined || claimed.has(old)) continue;
      from.set(id, old);
      claimed.add(old);
    }
    // An upstream the old run did not read shows as an argument change.
    return deps.flatMap((id) => (from.has(id) ? [{ id, from: from.get(id)!, to: byId.get(id)!.key }] : []));
  };
  /** Earlier ids → ids now: by the argument's places, then by the upstream runs matched, or read unchanged. */
  const renames = (t: Task, e: StoreEntry, changes: readonly UpstreamChange[], moved: Map<string, string>): Map<string, string> => {
    const idOf = new Map(Object.entries(e.meta.upstream).map(([id, key]) => [key, id]));
    const pair = (oldKey: string, id: string) => {
      const oldId = idOf.get(oldKey);
      if (oldId !== undefined && oldId !== id) moved.set(oldId, id);
    };
    for (const c of changes) pair(c.from, c.id);
    for (const id of new Set(t.deps)) pair(byId.get(id)?.key ?? "", id);
    return moved;
  };
  const placed = moves(task, entry);
  const upstream = changedDeps(task, entry, placed);
  let causes = comparer.compare(earlier(entry, renames(task, entry, upstream, placed)), taskInputs(plan, task));
  if (causes.length === 0 && upstream.length === 0) causes = [{ kind: "key" }];

  const seen = new Set<string>();
  const queue: Node[] = [];
  const push = (change: UpstreamChange, depth: number) => {
    const at = `${change.id}\0${change.from}`;
    if (seen.has(at)) return;
    seen.add(at);
    queue.push({ change, depth });
  };
  for (const u of upstream) push(u, 1);
  const roots: { change: UpstreamChange; causes: readonly Cause[]; missing?: boolean; cut?: boolean }[] = [];
  const through = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const { change, depth } = queue[i]!;
    if (depth > MAX_WHY_DEPTH) {
      roots.push({ change, causes: [], cut: true });
      continue;
    }
    const t = byId.get(change.id);
    const e = store.entryAt(change.from);
    if (!t || !e) {
      roots.push({ change, causes: [], missing: true });
      continue;
    }
    const placedHere = moves(t, e);
    const further = changedDeps(t, e, placedHere);
    const own = comparer.compare(earlier(e, renames(t, e, further, placedHere)), taskInputs(plan, t));
    if (own.length > 0 || further.length === 0) roots.push({ change, causes: own.length ? own : [{ kind: "key" }] });
    if (own.length === 0 && further.length > 0) through.add(change.id);
    for (const u of further) push(u, depth + 1);
  }
  const position = new Map(plan.tasks.map((t, i) => [t.id, i]));
  const inPlanOrder = (a: string, b: string) => (position.get(a) ?? 0) - (position.get(b) ?? 0);
  // The direct upstream tasks are named already.
  for (const u of upstream) through.delete(u.id);
  return { causes, upstream, roots: groupRoots(roots, byId, inPlanOrder), through: [...through].sort(inPlanOrder).map((id) => ({ id, group: byId.get(id)!.group })) };
}

function groupRoots(
  roots: readonly { change: UpstreamChange; causes: readonly Cause[]; missing?: boolean; cut?: boolean }[],
  byId: ReadonlyMap<string, Task>,
  order: (a: string, b: string) => number,
): RootGroup[] {
  const groups = new Map<string, { causes: readonly Cause[]; missing?: boolean; cut?: boolean; tasks: UpstreamChange[]; group: string | undefined }>();
  for (const r of [...roots].sort((a, b) => order(a.change.id, b.change.id))) {
    const key = `${r.missing ? "missing" : r.cut ? "cut" : ""}\n${canonicalJson(r.causes as unknown as Json)}`;
    const group = byId.get(r.change.id)?.group;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { causes: r.causes, ...(r.missing ? { missing: true } : {}), ...(r.cut ? { cut: true } : {}), tasks: [], group }));
    g.tasks.push(r.change);
    if (g.group !== group) g.group = undefined;
  }
  return [...groups.values()].map(({ group, ...g }) => ({ ...g, ...(group !== undefined && g.tasks.length > 1 ? { group } : {}) }));
}

/** The key inputs an entry's record holds (store/meta.ts), to compare with a task's. */
export function metaInputs(meta: Meta): KeyInputs {
  return {
    action: meta.action,
    actionName: actionName(meta.action),
    definition: meta.definition,
    definitionHash: meta.definitionHash,
    args: meta.args,
    files: meta.files,
    cache: meta.cache,
  };
}
