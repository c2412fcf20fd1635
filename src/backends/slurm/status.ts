// `pipe status DIR`: the state of every task of a bundle, from its last submission
// (jobs.tsv), one squeue call and the store. The store decides "done"; Slurm decides
// pending/running and how an attempt without a result ended. Exit 1 when a task failed or
// was cancelled.

import { Exit, type Io } from "../../cli/io.js";
import { inStore } from "../../store/index.js";
import { printable } from "../../printable.js";
import { bundleStore, readBundle, type Bundle } from "./bundle.js";
import { ACTIVE_STATES, queueStates, type QueueEntry } from "./queue.js";
import { readRecords, slurmTaskId, type TaskRecord } from "./records.js";

export const STATUSES = ["pending", "running", "done", "failed", "cancelled", "not submitted"] as const;
export type TaskStatus = (typeof STATUSES)[number];

export interface TaskState {
  readonly task: string;
  readonly job: string;
  readonly status: TaskStatus;
  /** `42` or `42_3`, when the task was submitted. */
  readonly slurmId?: string;
  readonly detail?: string;
}

export function taskStates(bundle: Bundle, records: ReadonlyMap<string, TaskRecord>, queue: ReadonlyMap<string, QueueEntry>, done: (key: string) => boolean): TaskState[] {
  return bundle.jobs.flatMap((job) =>
    job.tasks.map((t): TaskState => {
      const record = records.get(t.id);
      const base = { task: t.id, job: job.name, ...(record ? { slurmId: slurmTaskId(record) } : {}) };
      const q = record && queue.get(slurmTaskId(record));
      if (q && ACTIVE_STATES.has(q.state)) return { ...base, status: q.state === "PENDING" ? "pending" : "running", ...detail(q) };
      if (done(t.key)) return { ...base, status: "done" };
      if (!record) return { ...base, status: "not submitted" };
      if (!q) return { ...base, status: "failed", detail: `job ${record.jobId} is gone from Slurm and left no result` };
      if (q.state === "CANCELLED") return { ...base, status: "cancelled", ...detail(q) };
      if (q.state === "COMPLETED") return { ...base, status: "failed", detail: "the job completed but its result is not in the store" };
      return { ...base, status: "failed", detail: [q.state, q.reason].filter((s) => s && s !== "None").join(" ") };
    }),
  );
}

function detail(q: QueueEntry): { detail?: string } {
  return q.reason && q.reason !== "None" ? { detail: q.reason } : {};
}

export async function slurmStatus(dir: string, io: Io, flags: { json?: boolean } = {}): Promise<number> {
  const bundle = readBundle(dir);
  const store = bundle.ok ? bundleStore(dir) : bundle;
  if (!bundle.ok || !store.ok) {
    io.err(`pipe: ${store.ok ? "" : store.error}\n`);
    return Exit.invalid;
  }
  const records = readRecords(dir);
  const ids = [...new Set([...records.values()].map((r) => r.jobId))].sort();
  const { states: queue, error } = await queueStates(ids, io.env);
  if (error) io.err(`pipe: warning: ${error}; states are from the store only\n`);
  const states = taskStates(bundle.value, records, queue, (key) => inStore(store.value, key));
  const counts = STATUSES.map((s) => [s, states.filter((t) => t.status === s).length] as const).filter(([, n]) => n > 0);
  if (flags.json) {
    io.out(JSON.stringify({ summary: Object.fromEntries(counts), tasks: states }, null, 1) + "\n");
  } else {
    const width = Math.max(...states.map((s) => (s.slurmId ?? "-").length));
    for (const s of states) io.out(`  ${s.status.padEnd(13)} ${(s.slurmId ?? "-").padEnd(width)}  ${printable(s.task)}${s.detail ? `  (${s.detail})` : ""}\n`);
    io.out(`${states.length} tasks: ${counts.map(([s, n]) => `${n} ${s}`).join(", ")}\n`);
  }
  return states.some((s) => s.status === "failed" || s.status === "cancelled") ? Exit.failed : Exit.ok;
}
