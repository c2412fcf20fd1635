// Which task of one plan is which task of another: by what it is before by what it is
// called. A task keeps its match when its id and key are both the same; a task whose key
// appears on the other side under another id is that task, moved (an id made of positions,
// `main/scores[m=#0]`, shifts when a value is added in front; nothing reruns); what is left
// is matched by id (the same task, with new key inputs). Also renames the upstream
// references of earlier arguments to the ids they have now, so that a move alone is not
// read as an argument change.
//
// By position, not by id: two versions of a plan list most tasks at the same place, so a
// task is first compared with the task at its own position, and a table of ids or keys is
// built only for the tasks that this leaves unmatched. At 100,000 tasks each such table
// costs more than the comparison itself. A plan's ids are unique (the compiler's are); in a
// document with repeated ids, a task matches the one at its own position first.

import type { Plan, PlanValue, Task } from "../plan/plan.js";

export interface Matching {
  /** For each task of the second plan, by position, the position of its earlier task in the first plan, or -1. */
  readonly previous: Int32Array;
  /** Earlier ids that are now other ids (moves), earlier id → id now. */
  readonly renamed: ReadonlyMap<string, string>;
  /** Tasks of the first plan that nothing matched, in its order. */
  readonly removed: readonly Task[];
}

export function matchTasks(before: Plan, after: Plan): Matching {
  const earlier = before.tasks;
  const later = after.tasks;
  const previous = new Int32Array(later.length).fill(-1);
  const taken = new Uint8Array(earlier.length);
  let takenCount = 0;
  const take = (j: number, i: number) => {
    previous[j] = i;
    taken[i] = 1;
    takenCount++;
  };
  /** The earlier position of each id, for tasks not at the same position (built when first needed). */
  let byId: Map<string, number> | undefined;
  const earlierWithId = (j: number): number => {
    const id = later[j]!.id;
    if (j < earlier.length && earlier[j]!.id === id) return j;
    if (!byId) {
      byId = new Map();
      for (let i = 0; i < earlier.length; i++) byId.set(earlier[i]!.id, i);
    }
    return byId.get(id) ?? -1;
  };
  const unmatched: number[] = [];
  /** The earlier task with the same id of each unmatched task (-1 for none), looked up once. */
  const sameId: number[] = [];
  for (let j = 0; j < later.length; j++) {
    const i = earlierWithId(j);
    if (i >= 0 && earlier[i]!.key === later[j]!.key) take(j, i);
    else {
      unmatched.push(j);
      sameId.push(i);
    }
  }
  const renamed = new Map<string, string>();
  if (unmatched.length && takenCount < earlier.length) {
    // Only what changed is looked up by key: a plan that only moved a few tasks costs one pass.
    const byKey = new KeyTable(earlier, taken);
    const rest: number[] = [];
    for (let u = 0; u < unmatched.length; u++) {
      const j = unmatched[u]!;
      const i = byKey.firstUntaken(later[j]!.key, taken);
      if (i < 0) {
        rest.push(u);
        continue;
      }
      take(j, i);
      renamed.set(earlier[i]!.id, later[j]!.id);
    }
    for (const u of rest) {
      const i = sameId[u]!;
      if (i >= 0 && !taken[i]) take(unmatched[u]!, i);
    }
  }
  return { previous, renamed, removed: takenCount === earlier.length ? [] : earlier.filter((_, i) => !taken[i]) };
}

/**
 * The earlier tasks not taken yet, by key: a chained hash table in typed arrays, each chain
 * in plan order. A `Map` of fresh key strings costs several times as much (each string's
 * hash computed, an entry allocated), and most keys looked up here are not in it.
 */
class KeyTable {
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly mask: number;

  constructor(private readonly tasks: readonly Task[], taken: Uint8Array) {
    let size = 16;
    while (size < tasks.length * 2) size *= 2;
    this.mask = size - 1;
    this.head = new Int32Array(size).fill(-1);
    this.next = new Int32Array(tasks.length).fill(-1);
    // From the end, so that each chain lists its tasks in plan order.
    for (let i = tasks.length - 1; i >= 0; i--) {
      if (taken[i]) continue;
      const h = hash(tasks[i]!.key) & this.mask;
      this.next[i] = this.head[h]!;
      this.head[h] = i;
    }
  }

  /** The first task with this key not taken yet, or -1. */
  firstUntaken(key: string, taken: Uint8Array): number {
    for (let i = this.head[hash(key) & this.mask]!; i >= 0; i = this.next[i]!) {
      if (!taken[i] && this.tasks[i]!.key === key) return i;
    }
    return -1;
  }
}

/** FNV-1a over the string's UTF-16 code units. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
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
    // Its fields too: `t.out.f` moved is still `.f`.
    return to === undefined ? v : { ...v, $ref: to };
  }
  if ("$path" in v) return v;
  const fields = renameRefs(v.$record, renamed);
  return fields === v.$record ? v : { $record: fields as Record<string, PlanValue> };
}
