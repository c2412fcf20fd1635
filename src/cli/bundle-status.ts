// How `pipe status DIR` shows a bundle's task statuses: a summary per job, a table (status,
// Slurm id, task, detail) and a summary line, or JSON with the same counts; and its exit code.

import { BUNDLE_STATUSES, type BundleStatusName, type BundleTaskStatus } from "../backends/slurm/index.js";
import { maxOf } from "../arrays.js";
import { printable } from "../printable.js";
import { Exit } from "./io.js";

/** How many tasks are in each status, in the order of BUNDLE_STATUSES; none for a status no task is in. */
export function statusCounts(tasks: readonly BundleTaskStatus[]): [BundleStatusName, number][] {
  return BUNDLE_STATUSES.map((s) => [s, tasks.filter((t) => t.status === s).length] as [BundleStatusName, number]).filter(([, n]) => n > 0);
}

/** One line per job of the bundle, in the bundle's order: its Slurm job ids and how many of its tasks are in each status. */
export function jobSummary(tasks: readonly BundleTaskStatus[]): string {
  const jobs = new Map<string, BundleTaskStatus[]>();
  for (const t of tasks) {
    let list = jobs.get(t.job);
    if (!list) jobs.set(t.job, (list = []));
    list.push(t);
  }
  const rows = [...jobs].map(([name, list]) => {
    const ids = [...new Set(list.flatMap((t) => (t.slurmId ? [t.slurmId.split("_")[0]!] : [])))];
    return [name, ids.join(",") || "-", String(list.length), statusCounts(list).map(([s, n]) => `${n} ${s}`).join(", ")];
  });
  const all = [["JOB", "SLURM JOB", "TASKS", "STATUS"], ...rows];
  const widths = [0, 1, 2].map((i) => maxOf(all.map((r) => r[i]!.length)));
  return all.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}  ${r[3]}\n`).join("");
}

/** Whether a task may still change status without a new submit. */
export const settled = (tasks: readonly BundleTaskStatus[]): boolean => !tasks.some((t) => t.status === "pending" || t.status === "running");

export function statusTable(tasks: readonly BundleTaskStatus[]): string {
  const width = maxOf(tasks.map((s) => (s.slurmId ?? "-").length));
  const rows = tasks.map((s) => `  ${s.status.padEnd(13)} ${(s.slurmId ?? "-").padEnd(width)}  ${printable(s.task)}${s.detail ? `  (${s.detail})` : ""}\n`);
  return rows.join("") + `${tasks.length} tasks: ${statusCounts(tasks).map(([s, n]) => `${n} ${s}`).join(", ")}\n`;
}

/** JSON keeps the exact task ids. */
export function statusJson(tasks: readonly BundleTaskStatus[]): string {
  return JSON.stringify({ summary: Object.fromEntries(statusCounts(tasks)), tasks }, null, 1) + "\n";
}

/** 1 when a task failed or was cancelled. */
export function statusExitCode(tasks: readonly BundleTaskStatus[]): number {
  return tasks.some((s) => s.status === "failed" || s.status === "cancelled") ? Exit.failed : Exit.ok;
}
