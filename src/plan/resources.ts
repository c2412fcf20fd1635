// Resources of a task: the action's, overridden by call-site `resources { ... }` (inner
// calls over outer ones), as the plan records them. The checker already read them into
// plan units (MiB, seconds).

import type { Resources } from "../check/typed.js";
import type { PlanResources } from "./plan.js";

/** Layers `over` on top of `base`: the fields `over` sets replace those of `base`. */
export function mergeResources<R extends object>(base: R, over: R): R {
  // Most calls override nothing: share the base rather than copy it for every task of a sweep.
  if (!Object.values(over).some((v) => v !== undefined)) return base;
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) merged[k] = v;
  return merged as R;
}

/** The fields the plan records, in its fixed order (the plan JSON does not depend on how they were layered). */
export function toPlanResources(r: Resources): PlanResources {
  const out: PlanResources = {};
  if (r.cpus !== undefined) out.cpus = r.cpus;
  if (r.gpus !== undefined) out.gpus = r.gpus;
  if (r.mem !== undefined) out.mem = r.mem;
  if (r.time !== undefined) out.time = r.time;
  if (r.partition !== undefined) out.partition = r.partition;
  if (r.account !== undefined) out.account = r.account;
  if (r.qos !== undefined) out.qos = r.qos;
  if (r.extra !== undefined) out.extra = [...r.extra];
  return out;
}
