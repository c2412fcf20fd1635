// A bundle's task statuses, from its last submission (jobs.tsv), one squeue call and the
// store. The store decides "done"; Slurm decides pending/running and how an attempt
// without a result ended. Returned as data: `pipe status DIR` prints them.

import { inStore } from "../../store/index.js";
import { bundleStore, readBundle, type Bundle, type UnreadableBundle } from "./bundle.js";
import { ACTIVE_STATES, queueStates, type Env, type QueueEntry } from "./queue.js";
import { readSubmissionChains, slurmTaskId, type SubmittedTask } from "./records.js";

export const BUNDLE_STATUSES = ["pending", "running", "done", "failed", "cancelled", "not submitted"] as const;
export type BundleStatusName = (typeof BUNDLE_STATUSES)[number];

/** Where a task of a bundle is: queued, running, done, how its last attempt ended, or never submitted. */
export interface BundleTaskStatus {
  readonly task: string;
  readonly job: string;
  readonly status: BundleStatusName;
  /** `42` or `42_3`, when the task was submitted. */
  readonly slurmId?: string;
  readonly detail?: string;
}

export type BundleStatus =
  | UnreadableBundle
  | {
      readonly kind: "statuses";
      /** In the bundle's order: job by job, each job's tasks by array index. */
      readonly tasks: BundleTaskStatus[];
      /** Why squeue gave no answer: then the statuses are from the store alone. */
      readonly queueError?: string;
    };

export async function bundleStatus(dir: string, env: Env): Promise<BundleStatus> {
  const bundle = readBundle(dir);
  if (!bundle.ok) return { kind: "unreadable", error: bundle.error };
  const store = bundleStore(dir);
  if (!store.ok) return { kind: "unreadable", error: store.error };
  const chains = readSubmissionChains(dir, retryJobs(bundle.value));
  const ids = [...new Set([...chains.values()].flat().map((r) => r.jobId))].sort();
  const { states: queue, error } = await queueStates(ids, env);
  const tasks = taskStatuses(bundle.value, currentAttempts(chains, queue), queue, (key) => inStore(store.value, key));
  return { kind: "statuses", tasks, ...(error ? { queueError: error } : {}) };
}

/** The names of a bundle's retry jobs (attempt 2 and later of a job). */
export function retryJobs(bundle: Bundle): Set<string> {
  return new Set(bundle.jobs.filter((j) => j.attempt).map((j) => j.name));
}

/**
 * The attempt that says where a task is: the first one queued or running; else the last
 * that ended other than cancelled (an unneeded retry is cancelled), else the last.
 */
export function currentAttempts(chains: ReadonlyMap<string, SubmittedTask[]>, queue: ReadonlyMap<string, QueueEntry>): Map<string, SubmittedTask> {
  const out = new Map<string, SubmittedTask>();
  for (const [task, chain] of chains) {
    const state = (s: SubmittedTask) => queue.get(slurmTaskId(s))?.state;
    const active = chain.find((s) => ACTIVE_STATES.has(state(s) ?? ""));
    const ended = [...chain].reverse().find((s) => state(s) !== undefined && state(s) !== "CANCELLED");
    out.set(task, active ?? ended ?? chain[chain.length - 1]!);
  }
  return out;
}

export function taskStatuses(bundle: Bundle, submissions: ReadonlyMap<string, SubmittedTask>, queue: ReadonlyMap<string, QueueEntry>, done: (key: string) => boolean): BundleTaskStatus[] {
  // A retry job runs the tasks of its first attempt: they are listed once, there.
  return bundle.jobs.filter((job) => !job.attempt).flatMap((job) =>
    job.tasks.map((t): BundleTaskStatus => {
      const submitted = submissions.get(t.id);
      const base = { task: t.id, job: job.name, ...(submitted ? { slurmId: slurmTaskId(submitted) } : {}) };
      const q = submitted && queue.get(slurmTaskId(submitted));
      if (q && ACTIVE_STATES.has(q.state)) return { ...base, status: q.state === "PENDING" ? "pending" : "running", ...detail(q) };
      if (done(t.key)) return { ...base, status: "done" };
      if (!submitted) return { ...base, status: "not submitted" };
      if (!q) return { ...base, status: "failed", detail: `job ${submitted.jobId} is gone from Slurm and left no result` };
      if (q.state === "CANCELLED") return { ...base, status: "cancelled", ...detail(q) };
      if (q.state === "COMPLETED") return { ...base, status: "failed", detail: "the job completed but its result is not in the store" };
      return { ...base, status: "failed", detail: [q.state, q.reason].filter((s) => s && s !== "None").join(" ") };
    }),
  );
}

function detail(q: QueueEntry): { detail?: string } {
  return q.reason && q.reason !== "None" ? { detail: q.reason } : {};
}
