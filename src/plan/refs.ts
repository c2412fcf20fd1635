// The references inside a plan value (`{"$ref": task, "output": name}`): what a task or an
// output reads of its upstream tasks, and the tasks they name. Apart from plan.ts, which holds
// the plan's schema.

import type { Plan, PlanValue, Task } from "./plan.js";

/** All `$ref`s inside a value, in order of appearance. */
export function refsIn(value: PlanValue, into: { $ref: string; output: string; fields?: string[]; item?: string }[] = []): { $ref: string; output: string; fields?: string[]; item?: string }[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value && typeof value === "object") {
    if ("$ref" in value) into.push(value);
    else if ("$record" in value) for (const k of Object.keys(value.$record).sort()) refsIn(value.$record[k]!, into);
  }
  return into;
}

const findersOf = new WeakMap<Plan, (id: string) => Task | undefined>();

/** How many tasks from the one after the task found last a lookup tries before it scans. */
const NEAR = 4;

/**
 * A plan's task by its id. The few tasks after the one found last are tried first (NEAR): a
 * fan-in's references and an entry's outputs name their tasks in plan order, and the second
 * steps of a pipeline called per element each name the task just before it. One asked out of
 * order is looked for by scanning on from there, until the scans together have passed as many
 * tasks as the plan has; only then is a map of every task by id made (100,000 ids hashed: 50
 * to 100 ms), so that a few lookups out of order (the entry's output of the last task) cost a
 * scan.
 */
export function taskFinder(plan: Plan): (id: string) => Task | undefined {
  let find = findersOf.get(plan);
  if (find) return find;
  const tasks = plan.tasks;
  let next = 0;
  let scanned = 0;
  let at: Map<string, number> | undefined;
  const found = (i: number): Task => {
    next = i + 1;
    return tasks[i]!;
  };
  find = (id) => {
    const near = Math.min(next + NEAR, tasks.length);
    for (let i = next; i < near; i++) if (tasks[i]!.id === id) return found(i);
    if (!at) {
      // Every task but those tried, from the one after them.
      const span = tasks.length - (near - next);
      for (let k = 0; k < span && scanned < tasks.length; k++, scanned++) {
        const i = (near + k) % tasks.length;
        if (tasks[i]!.id === id) return found(i);
      }
      if (scanned < tasks.length) return undefined;
      at = new Map();
      for (let i = 0; i < tasks.length; i++) at.set(tasks[i]!.id, i);
    }
    const i = at.get(id);
    return i === undefined ? undefined : found(i);
  };
  findersOf.set(plan, find);
  return find;
}
