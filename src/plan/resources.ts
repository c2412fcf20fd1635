// Resources of a task: the action's, overridden by call-site `resources { ... }` (inner
// calls over outer ones), as the plan records them, and what each attempt gets of them (the
// one rule both backends follow). The checker already read them into plan units (MiB, seconds).

import type { Resources } from "../check/typed.js";
import type { PlanResources } from "./plan.js";

/** Layers `over` on top of `base`: the fields `over` sets replace those of `base`. */
export function mergeResources<R extends object>(base: R, over: R): R {
  // Most calls override nothing: share the base rather than copy it for every task of a sweep.
  let any = false;
  for (const k in over) if ((over as Record<string, unknown>)[k] !== undefined) any = true;
  if (!any) return base;
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
  if (r.memRetries?.length) out.memRetries = [...r.memRetries];
  if (r.timeRetries?.length) out.timeRetries = [...r.timeRetries];
  if (r.grow && (r.grow.mem ?? 1) * (r.grow.time ?? 1) !== 1) {
    out.grow = {};
    if (r.grow.mem !== undefined && r.grow.mem !== 1) out.grow.mem = r.grow.mem;
    if (r.grow.time !== undefined && r.grow.time !== 1) out.grow.time = r.grow.time;
  }
  if (r.partition !== undefined) out.partition = r.partition;
  if (r.account !== undefined) out.account = r.account;
  if (r.qos !== undefined) out.qos = r.qos;
  if (r.extra !== undefined) out.extra = [...r.extra];
  return out;
}

/** A list of values per attempt asks for that many attempts, whatever `retries` says. */
export function retriesOf(retries: number, r: Resources): number {
  return Math.max(retries, r.memRetries?.length ?? 0, r.timeRetries?.length ?? 0);
}

/** What attempt `attempt` (1 for the first) of a task gets: the CPUs, MiB and seconds (0 for none declared). */
export interface AttemptResources {
  readonly cpus: number;
  readonly memMb: number;
  readonly timeS: number;
}

/**
 * Attempt n takes the n-th value of a `mem`/`time` list; past the list, the last value times
 * `grow` for each attempt beyond it, rounded up to a whole MiB or second.
 */
export function attemptResources(r: PlanResources, attempt: number): AttemptResources {
  const pick = (first: number | undefined, later: readonly number[] | undefined, factor: number | undefined): number => {
    if (first === undefined) return 0;
    const values = [first, ...(later ?? [])];
    const n = Math.max(1, attempt);
    if (n <= values.length) return values[n - 1]!;
    return Math.ceil(values[values.length - 1]! * Math.pow(factor ?? 1, n - values.length) - 1e-9);
  };
  return { cpus: r.cpus ?? 1, memMb: pick(r.mem, r.memRetries, r.grow?.mem), timeS: pick(r.time, r.timeRetries, r.grow?.time) };
}
