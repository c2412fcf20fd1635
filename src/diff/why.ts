// `pipe why TASK`: why a task of a plan is not cached. When its key is not in the store,
// its key inputs are compared with those recorded in the meta.json of its most recent store
// entry, and every upstream task whose key differs from the one that run consumed is
// explained the same way, against exactly the entry that run read, down to the root causes.

import type { Plan, Task } from "../plan/plan.js";
import type { Reason } from "../plan/state.js";
import type { Meta, StoreEntry } from "../store/index.js";
import { actionName, CauseComparer, taskInputs, type Cause, type KeyInputs } from "./causes.js";

/** Why an upstream task's key differs from the one an earlier run consumed. */
export interface UpstreamWhy {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** The entry of `from` is no longer in the store: nothing to compare with. */
  readonly missing?: boolean;
  /** MAX_WHY_DEPTH levels up: not followed further (`pipe why` of this task goes on from here). */
  readonly cut?: boolean;
  readonly causes: readonly Cause[];
  readonly upstream: readonly UpstreamWhy[];
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
        readonly causes: readonly Cause[];
        readonly upstream: readonly UpstreamWhy[];
      };
      /** For "new key": how many entries of the task the store has. */
      readonly entries?: number;
    };

/**
 * How many levels of upstream changes are followed: a change at the head of a chain of
 * thousands of tasks would otherwise be a tree as deep as the chain, which overflowed the
 * stack (and would print lines indented by thousands of columns).
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
  const explainer = new Explainer(plan, store);
  const { causes, upstream } = explainer.explain(task, latest);
  return { ...base, entries: entries.length, previous: { key: latest.key, ...(latest.meta.end ? { end: latest.meta.end } : {}), causes, upstream } };
}

class Explainer {
  private readonly byId: Map<string, Task>;
  private readonly comparer = new CauseComparer();
  private readonly memo = new Map<string, UpstreamWhy>();

  constructor(
    private readonly plan: Plan,
    private readonly store: WhyStore,
  ) {
    this.byId = new Map(plan.tasks.map((t) => [t.id, t]));
  }

  explain(task: Task, entry: StoreEntry, depth = 0): { causes: readonly Cause[]; upstream: UpstreamWhy[] } {
    const causes = this.comparer.compare(metaInputs(entry.meta), taskInputs(this.plan, task));
    const upstream: UpstreamWhy[] = [];
    const current = new Map(task.deps.map((id) => [id, this.byId.get(id)!.key]));
    for (const [id, key] of [...current].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const old = entry.meta.upstream[id];
      // An upstream the old run did not read shows as an argument change.
      if (old === undefined || old === key) continue;
      upstream.push(this.upstreamWhy(id, old, key, depth + 1));
    }
    return { causes: causes.length === 0 && upstream.length === 0 ? [{ kind: "key" }] : causes, upstream };
  }

  private upstreamWhy(id: string, from: string, to: string, depth: number): UpstreamWhy {
    if (depth > MAX_WHY_DEPTH) return { id, from, to, cut: true, causes: [], upstream: [] };
    const memoKey = `${id}\0${from}`;
    const known = this.memo.get(memoKey);
    if (known) return known;
    const task = this.byId.get(id);
    const entry = this.store.entryAt(from);
    const why: UpstreamWhy =
      task && entry ? { id, from, to, ...this.explain(task, entry, depth) } : { id, from, to, missing: true, causes: [], upstream: [] };
    this.memo.set(memoKey, why);
    return why;
  }
}

/** The key inputs an entry's record holds (store/meta.ts), to compare with a task's. */
function metaInputs(meta: Meta): KeyInputs {
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
