// The references inside a plan value (`{"$ref": task, "output": name}`): what a task or an
// output reads of its upstream tasks. Apart from plan.ts, which holds the plan's schema.

import type { PlanValue } from "./plan.js";

/** All `$ref`s inside a value, in order of appearance. */
export function refsIn(value: PlanValue, into: { $ref: string; output: string; fields?: string[]; item?: string }[] = []): { $ref: string; output: string; fields?: string[]; item?: string }[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value && typeof value === "object") {
    if ("$ref" in value) into.push(value);
    else if ("$record" in value) for (const k of Object.keys(value.$record).sort()) refsIn(value.$record[k]!, into);
  }
  return into;
}
