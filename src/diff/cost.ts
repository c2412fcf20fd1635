// What reruns costs: the sum over the tasks to run of their declared `time` × GPUs and
// × CPUs, an upper bound since `time` is a limit, not a measurement. Shared by `pipe diff`
// (added and rerun tasks) and `pipe plan` (tasks to run).

import type { PlanResources } from "../plan/plan.js";

export interface RerunCost {
  readonly tasks: number;
  readonly gpuHours: number;
  readonly cpuHours: number;
  /** Tasks that declare no `time`, so count for nothing above. */
  readonly untimed: number;
}

/** A task without `cpus` counts one CPU (Slurm's default); without `gpus`, none. */
export function rerunCost(tasks: readonly { readonly resources: PlanResources }[]): RerunCost {
  let gpuSeconds = 0;
  let cpuSeconds = 0;
  let untimed = 0;
  for (let i = 0; i < tasks.length; i++) {
    const resources = tasks[i]!.resources;
    if (resources.time === undefined) {
      untimed++;
      continue;
    }
    gpuSeconds += resources.time * (resources.gpus ?? 0);
    cpuSeconds += resources.time * (resources.cpus ?? 1);
  }
  // Rounded to a thousandth, so that JSON shows 16.667, not 16.666666666666668.
  const h = (seconds: number) => Math.round(seconds / 3.6) / 1000;
  return { tasks: tasks.length, gpuHours: h(gpuSeconds), cpuHours: h(cpuSeconds), untimed };
}

/** `reruns: 18 tasks, up to 36 GPU-hours and 72 CPU-hours`. */
export function formatCost(cost: RerunCost): string {
  const parts: string[] = [];
  if (cost.gpuHours > 0) parts.push(hoursOf(cost.gpuHours, "GPU"));
  if (cost.cpuHours > 0) parts.push(hoursOf(cost.cpuHours, "CPU"));
  let line = `reruns: ${plural(cost.tasks, "task")}`;
  if (parts.length) line += `, up to ${parts.join(" and ")}`;
  if (cost.untimed === cost.tasks && cost.tasks > 0) line += " (none declares a time)";
  else if (cost.untimed > 0) line += ` (${plural(cost.untimed, "task")} without a declared time not counted)`;
  return line;
}

/** Whole hours from ten up, two significant digits below: `36 GPU-hours`, `2.5`, `0.083`, `1 CPU-hour`. */
function hoursOf(h: number, what: string): string {
  const n = String(h >= 10 ? Math.round(h) : Number(h.toPrecision(2)));
  return `${n} ${what}-hour${n === "1" ? "" : "s"}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
