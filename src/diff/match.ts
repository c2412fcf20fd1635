// Which task of one plan is which task of another: by what it is before by what it is
// called. A task keeps its match when its id and key are both the same; a task whose key
// appears on the other side under another id is that task, moved (an id made of positions,
// `main/scores[m=#0]`, shifts when a value is added in front; nothing reruns); what is left
// is matched by id (the same task, with new key inputs). Also renames the upstream
// references of earlier arguments to the ids they have now, so that a move alone is not
// read as an argument change.

import type { Plan, PlanValue, Task } from "../plan/plan.js";

export interface Matching {
  /** The earlier task of each task of the second plan that has one, by its id there. */
  readonly previous: ReadonlyMap<string, Task>;
  /** Earlier ids that are now other ids (moves), earlier id → id now. */
  readonly renamed: ReadonlyMap<string, string>;
  /** Tasks of the first plan that nothing matched, in its order. */
  readonly removed: readonly Task[];
}

export function matchTasks(before: Plan, after: Plan): Matching {
  const earlier = before.tasks;
  // By position in the first plan: a Set of 100,000 parsed objects costs each an identity hash.
  const byId = new Map<string, number>();
  for (let i = 0; i < earlier.length; i++) byId.set(earlier[i]!.id, i);
  const previous = new Map<string, Task>();
  const taken = new Uint8Array(earlier.length);
  let takenCount = 0;
  const take = (t: Task, i: number) => {
    previous.set(t.id, earlier[i]!);
    taken[i] = 1;
    takenCount++;
  };
  const unmatched: Task[] = [];
  for (const t of after.tasks) {
    const i = byId.get(t.id);
    if (i !== undefined && earlier[i]!.key === t.key) take(t, i);
    else unmatched.push(t);
  }
  const renamed = new Map<string, string>();
  if (unmatched.length) {
    // Only what changed is looked up by key: a plan that only moved a few tasks costs one pass.
    // Most keys are one task's: an array only for a key that several share.
    const byKey = new Map<string, number | number[]>();
    for (let i = 0; i < earlier.length; i++) {
      if (taken[i]) continue;
      const key = earlier[i]!.key;
      const had = byKey.get(key);
      if (had === undefined) byKey.set(key, i);
      else if (typeof had === "number") byKey.set(key, [had, i]);
      else had.push(i);
    }
    const rest: Task[] = [];
    for (const t of unmatched) {
      const same = byKey.get(t.key);
      const i = same === undefined ? undefined : typeof same === "number" ? (taken[same] ? undefined : same) : same.find((x) => !taken[x]);
      if (i === undefined) {
        rest.push(t);
        continue;
      }
      take(t, i);
      renamed.set(earlier[i]!.id, t.id);
    }
    for (const t of rest) {
      const i = byId.get(t.id);
      if (i === undefined || taken[i]) continue;
      take(t, i);
    }
  }
  return { previous, renamed, removed: takenCount === earlier.length ? [] : earlier.filter((_, i) => !taken[i]) };
}

/** `args` with each upstream reference to a moved task renamed to its id now; `args` itself when none is. */
export function renameRefs(args: Readonly<Record<string, PlanValue>>, renamed: ReadonlyMap<string, string>): Readonly<Record<string, PlanValue>> {
  if (renamed.size === 0) return args;
  let out: Record<string, PlanValue> | undefined;
  for (const k in args) {
    const v = args[k]!;
    const r = renameValue(v, renamed);
    if (r !== v) (out ??= { ...args })[k] = r;
  }
  return out ?? args;
}

function renameValue(v: PlanValue, renamed: ReadonlyMap<string, string>): PlanValue {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    let out: PlanValue[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const r = renameValue(v[i]!, renamed);
      if (r !== v[i]) (out ??= v.slice())[i] = r;
    }
    return out ?? v;
  }
  if ("$ref" in v) {
    const to = renamed.get(v.$ref);
    return to === undefined ? v : { $ref: to, output: v.output };
  }
  if ("$path" in v) return v;
  const fields = renameRefs(v.$record, renamed);
  return fields === v.$record ? v : { $record: fields as Record<string, PlanValue> };
}
