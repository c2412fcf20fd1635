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

/**
 * A plan's task by its id. The task after the one found last is tried first: a fan-in's
 * references and an entry's outputs name their tasks in plan order, so that a map of every
 * task by id (100,000 ids hashed: 50 to 100 ms) is made only when one is asked out of order.
 */
export function taskFinder(plan: Plan): (id: string) => Task | undefined {
  let find = findersOf.get(plan);
  if (find) return find;
  const tasks = plan.tasks;
  let next = 0;
  let at: Map<string, number> | undefined;
  find = (id) => {
    const hinted = tasks[next];
    if (hinted !== undefined && hinted.id === id) {
      next++;
      return hinted;
    }
    at ??= new Map(tasks.map((t, i) => [t.id, i]));
    const i = at.get(id);
    if (i === undefined) return undefined;
    next = i + 1;
    return tasks[i];
  };
  findersOf.set(plan, find);
  return find;
}
