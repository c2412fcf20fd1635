// A Slurm bundle as a report: every submission of every task in jobs.tsv is an attempt (its
// first job, its bigger retries, later submits). Times, state and peak memory come from
// `sacct` when the cluster keeps accounting; otherwise from what the job scripts record: the
// start they print in their log, the log's last write as the end, the store for success,
// squeue for what is still queued. A retry Slurm cancelled before it started is no attempt.

import fs from "node:fs";
import path from "node:path";
import { accountedJobs, type AccountedJob } from "../backends/slurm/accounting.js";
import { bundleStore, readBundle, readBundlePlan, type BundleJob } from "../backends/slurm/bundle.js";
import { queueStates, type Env, type QueueEntry } from "../backends/slurm/queue.js";
import { logFile, readSubmissionLines, slurmTaskId, type SubmittedTask } from "../backends/slurm/records.js";
import { storeLookup } from "../store/index.js";
import { parseTime } from "../units/time.js";
import { parseMem } from "../units/memory.js";
import { readOr } from "./local.js";
import { tailAndError, type Report, type ReportAttempt, type ReportState, type ReportTask } from "./model.js";

export async function slurmReport(dir: string, env: Env): Promise<{ report?: Report; error?: string }> {
  const bundle = readBundle(dir);
  if (!bundle.ok) return { error: bundle.error };
  const read = readBundlePlan(dir);
  if (!read.ok) return { error: read.error };
  const plan = read.value;
  const store = bundleStore(dir);
  const done = store.ok ? storeLookup(store.value, plan.tasks.length) : () => false;
  const jobs = new Map(bundle.value.jobs.map((j) => [j.name, j]));
  const submissions = allSubmissions(dir);
  const slurmIds = [...new Set([...submissions.values()].flat().map((s) => s.jobId))];
  const notes: string[] = [];
  const accounted = await accountedJobs(slurmIds, env);
  let queue = new Map<string, QueueEntry>();
  if (!accounted.jobs) {
    notes.push(`no accounting (${accounted.error}): times are from the job logs, and peak memory is unknown`);
    const q = await queueStates(slurmIds, env);
    queue = q.states;
    if (q.error) notes.push(q.error);
  }
  if (!store.ok) notes.push(store.error);
  const firstJobs = bundle.value.jobs.filter((j) => !j.attempt);
  const planned = new Map(plan.tasks.map((p) => [p.id, p]));
  const tasks = firstJobs.flatMap((job) =>
    job.tasks.map((t): ReportTask => {
      const attempts: ReportAttempt[] = [];
      let lastLog = "";
      let lastSlurmState: string | undefined;
      for (const s of submissions.get(t.id) ?? []) {
        const id = slurmTaskId(s);
        const log = path.join(dir, logFile(s));
        const acct = accounted.jobs?.get(id);
        const a = acct ? fromAccounting(acct) : fromLog(log, queue.get(id));
        if (!a) continue;
        const given = allocation(jobs.get(s.job));
        attempts.push({ attempt: attempts.length + 1, jobId: id, ...given, ...a });
        lastSlurmState = acct?.state ?? queue.get(id)?.state;
        if (fs.existsSync(log)) lastLog = log;
      }
      const ok = done(t.key);
      // Without accounting, an attempt's state is known only from the store: the last that ran.
      // Every attempt before the last failed, or there would have been no other.
      if (!accounted.jobs && attempts.length) {
        attempts.forEach((a, i) => {
          const last = i === attempts.length - 1;
          if (a.state === "done" && (!last || !ok)) attempts[i] = { ...a, state: "failed" };
        });
      }
      const state: ReportState = ok ? "done" : attempts.length ? attempts[attempts.length - 1]!.state : "pending";
      const failed = !ok && attempts.length > 0 && !["pending", "running"].includes(state);
      const text = failed && lastLog ? readOr(lastLog) : "";
      const why = failed ? tailAndError(text || "no log") : undefined;
      const error = why && lastSlurmState && lastSlurmState !== "FAILED" && lastSlurmState !== "COMPLETED" ? `${lastSlurmState}: ${why.error}` : why?.error;
      return {
        id: t.id,
        action: job.action,
        deps: planned.get(t.id)?.deps ?? [],
        state,
        attempts,
        ...(why ? { error: error!, logTail: why.tail } : {}),
      };
    }),
  );
  return {
    report: {
      kind: "Slurm bundle",
      name: dir,
      file: plan.file,
      entry: plan.entry,
      tasks,
      source: accounted.jobs ? "Slurm accounting (sacct: elapsed, MaxRSS, state)" : "the job logs and the store",
      notes,
    },
  };
}

/** Every line of jobs.tsv, by task, in order. */
function allSubmissions(dir: string): Map<string, SubmittedTask[]> {
  const out = new Map<string, SubmittedTask[]>();
  for (const s of readSubmissionLines(dir)) {
    const list = out.get(s.task) ?? [];
    list.push(s);
    out.set(s.task, list);
  }
  return out;
}

const SLURM_STATES: Record<string, ReportState> = {
  COMPLETED: "done",
  FAILED: "failed",
  TIMEOUT: "timeout",
  OUT_OF_MEMORY: "out of memory",
  CANCELLED: "cancelled",
  NODE_FAIL: "failed",
  PREEMPTED: "cancelled",
  BOOT_FAIL: "failed",
  DEADLINE: "timeout",
  PENDING: "pending",
  RUNNING: "running",
  COMPLETING: "running",
  REQUEUED: "pending",
  SUSPENDED: "running",
};

type Measured = Omit<ReportAttempt, "attempt" | "jobId" | "memMb" | "timeS">;

function fromAccounting(a: AccountedJob): Measured | undefined {
  const state = SLURM_STATES[a.state] ?? "failed";
  // Cancelled before it started (a retry not needed): it never ran.
  if (state === "cancelled" && !a.elapsedS) return undefined;
  const durationMs = a.elapsedS !== undefined ? a.elapsedS * 1000 : undefined;
  return {
    state,
    ...(a.start !== undefined ? { start: a.start } : {}),
    ...(a.end !== undefined ? { end: a.end } : a.start !== undefined && state === "running" ? { end: Date.now() } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(a.maxRssKb !== undefined ? { peakRssKb: a.maxRssKb } : {}),
    ...(a.exitCode !== undefined ? { exitCode: a.exitCode } : {}),
  };
}

function fromLog(log: string, queued: QueueEntry | undefined): Measured | undefined {
  let text = "";
  let mtime: number | undefined;
  try {
    text = fs.readFileSync(log, "utf8").slice(0, 4096);
    mtime = fs.statSync(log).mtimeMs;
  } catch {
    if (queued?.state === "PENDING") return { state: "pending" };
    return undefined;
  }
  const m = /^pipe: task .* at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/m.exec(text);
  const start = m ? Date.parse(m[1]!) : undefined;
  const active = queued && SLURM_STATES[queued.state] === "running";
  const end = active ? Date.now() : mtime;
  return {
    state: active ? "running" : queued ? (SLURM_STATES[queued.state] ?? "done") : "done",
    ...(start !== undefined ? { start } : {}),
    ...(end !== undefined ? { end } : {}),
    ...(start !== undefined && end !== undefined ? { durationMs: Math.max(0, end - start) } : {}),
  };
}

/** What a job asked for, from its `--mem`/`--time` options. */
function allocation(job: BundleJob | undefined): { memMb?: number; timeS?: number } {
  const opt = (name: string) => job?.options.find((o) => o.startsWith(`--${name}=`))?.slice(name.length + 3);
  const mem = opt("mem");
  const time = opt("time");
  const memMb = mem ? parseMem(mem) : undefined;
  const timeS = time ? parseTime(time) : undefined;
  return { ...(memMb !== undefined ? { memMb } : {}), ...(timeS !== undefined ? { timeS } : {}) };
}
