// jobs.tsv, written by submit.sh: one line per submitted task (task id, job name, Slurm job
// id, array index or `-`), appended on every submit. The last line of a task is its
// current attempt. Task ids are written escaped (printable.ts), as jobs/NAME.tasks holds them.
// An expanding job's line names `(expand) LOOP` and a join's `(join) NAME` where a task goes.
// A task with bigger retries has a line per attempt job of one submit: its first attempt's
// and those after it are its current chain.

import fs from "node:fs";
import path from "node:path";
import { fromPrintable } from "../../printable.js";
import { RECORDS_FILE } from "./bundle.js";

/** A line of jobs.tsv: a task's submission. */
export interface SubmittedTask {
  readonly task: string;
  readonly job: string;
  readonly jobId: string;
  /** The array index, for a task of a job array. */
  readonly index?: number;
}

/** Every line of jobs.tsv, in order (none when there is no file yet). */
export function readSubmissionLines(dir: string): SubmittedTask[] {
  let text = "";
  try {
    text = fs.readFileSync(path.join(dir, RECORDS_FILE), "utf8");
  } catch {
    return [];
  }
  const out: SubmittedTask[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [printed, job, jobId, index] = line.split("\t");
    if (!printed || !job || !jobId) continue;
    out.push({ task: fromPrintable(printed), job, jobId, ...(index && index !== "-" ? { index: Number(index) } : {}) });
  }
  return out;
}

/**
 * Each task's current attempts: its last submission of a first attempt and the retries
 * submitted after it (jobs named in `retries`, the bundle's retry jobs).
 */
export function readSubmissionChains(dir: string, retries: ReadonlySet<string>): Map<string, SubmittedTask[]> {
  const chains = new Map<string, SubmittedTask[]>();
  for (const s of readSubmissionLines(dir)) {
    const chain = chains.get(s.task);
    if (chain && retries.has(s.job)) chain.push(s);
    else chains.set(s.task, [s]);
  }
  return chains;
}

/** How Slurm names the submission's job (task): `42` or `42_3`. */
export function slurmTaskId(r: SubmittedTask): string {
  return r.index === undefined ? r.jobId : `${r.jobId}_${r.index}`;
}

/** The log file of a submission, relative to the bundle (see the job scripts' `--output`). */
export function logFile(r: SubmittedTask): string {
  return r.index === undefined ? `logs/${r.job}_${r.jobId}.out` : `logs/${r.job}_${r.jobId}_${r.index}.out`;
}
