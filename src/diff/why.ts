// `pipe why TASK`: why a task of a plan is not cached. When its key is not in the store,
// its key inputs are compared with those recorded in the meta.json of its most recent store
// entry, and every upstream task whose key differs from the one that run consumed is
// explained the same way, against exactly the entry that run read, down to the root causes,
// which are grouped by cause as `pipe diff` groups them: one changed script behind a whole
// sweep is one root, whatever the number of paths from it.

import type { Plan, Task } from "../plan/plan.js";
import type { Reason } from "../plan/state.js";
import type { Meta, StoreEntry } from "../store/index.js";
import { canonicalJson, type Json } from "../plan/canonical.js";
import { actionName, CauseComparer, taskInputs, type Cause, type KeyInputs } from "./causes.js";

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
  entryAt(key: string): StoreEntry | undefined;
}

/** `state` is the task's state from `planStates`. */
export function whyTask(plan: Plan, task: Task, state: { run: boolean; reason?: Reason; because?: string }, store: WhyStore): Why {
  if (!state.run) return { state: "cached", id: task.id, key: task.key };
  const reason = state.reason ?? "new key";
  const base = { state: "run" as const, id: task.id, key: task.key, reason, ...(state.because ? { because: state.because } : {}) };
  if (reason !== "new key") return base;
  const entries = store.entriesOf(task.id).filter((e) => e.key !== task.key);
  const latest = entries[0];
  if (!latest) return { ...base, entries: 0 };
  return { ...base, entries: entries.length, previous: { key: latest.key, ...(latest.meta.end ? { end: latest.meta.end } : {}), ...explainEntry(plan, task, latest, store) } };
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
  const changedDeps = (t: Task, e: StoreEntry): UpstreamChange[] => {
    const out: UpstreamChange[] = [];
    for (const id of [...new Set(t.deps)].sort()) {
      const old = e.meta.upstream[id];
      const key = byId.get(id)?.key;
      // An upstream the old run did not read shows as an argument change.
      if (old !== undefined && key !== undefined && old !== key) out.push({ id, from: old, to: key });
    }
    return out;
  };
  let causes = comparer.compare(metaInputs(entry.meta), taskInputs(plan, task));
  const upstream = changedDeps(task, entry);
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
    const own = comparer.compare(metaInputs(e.meta), taskInputs(plan, t));
    const further = changedDeps(t, e);
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
