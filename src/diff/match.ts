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
  const byId = new Map(before.tasks.map((t) => [t.id, t]));
  const previous = new Map<string, Task>();
  const taken = new Set<Task>();
  const unmatched: Task[] = [];
  for (const t of after.tasks) {
    const p = byId.get(t.id);
    if (p && p.key === t.key) {
      previous.set(t.id, p);
      taken.add(p);
    } else unmatched.push(t);
  }
  const renamed = new Map<string, string>();
  if (unmatched.length) {
    // Only what changed is looked up by key: a plan that only moved a few tasks costs one pass.
    const byKey = new Map<string, Task[]>();
    for (const t of before.tasks) if (!taken.has(t)) (byKey.get(t.key) ?? byKey.set(t.key, []).get(t.key)!).push(t);
    const rest: Task[] = [];
    for (const t of unmatched) {
      const same = byKey.get(t.key);
      const p = same?.find((x) => !taken.has(x));
      if (!p) {
        rest.push(t);
        continue;
      }
      previous.set(t.id, p);
      taken.add(p);
      renamed.set(p.id, t.id);
    }
    for (const t of rest) {
      const p = byId.get(t.id);
      if (!p || taken.has(p)) continue;
      previous.set(t.id, p);
      taken.add(p);
    }
  }
  return { previous, renamed, removed: taken.size === before.tasks.length ? [] : before.tasks.filter((t) => !taken.has(t)) };
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
