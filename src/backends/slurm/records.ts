// jobs.tsv, written by submit.sh: one line per submitted task (task id, job name, Slurm job
// id, array index or `-`), appended on every submit. The last line of a task is its
// current attempt. Task ids are written escaped (printable.ts), as jobs/NAME.tasks holds them.

import fs from "node:fs";
import path from "node:path";
import { fromPrintable } from "../../printable.js";
import { RECORDS_FILE } from "./bundle.js";

export interface TaskRecord {
  readonly task: string;
  readonly job: string;
  readonly jobId: string;
  /** The array index, for a task of a job array. */
  readonly index?: number;
}

export function readRecords(dir: string): Map<string, TaskRecord> {
  let text = "";
  try {
    text = fs.readFileSync(path.join(dir, RECORDS_FILE), "utf8");
  } catch {
    return new Map();
  }
  const latest = new Map<string, TaskRecord>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [printed, job, jobId, index] = line.split("\t");
    if (!printed || !job || !jobId) continue;
    const task = fromPrintable(printed);
    latest.set(task, { task, job, jobId, ...(index && index !== "-" ? { index: Number(index) } : {}) });
  }
  return latest;
}

/** How Slurm names the record's job (task): `42` or `42_3`. */
export function slurmTaskId(r: TaskRecord): string {
  return r.index === undefined ? r.jobId : `${r.jobId}_${r.index}`;
}

/** The log file of a record, relative to the bundle (see the job scripts' `--output`). */
export function logFile(r: TaskRecord): string {
  return r.index === undefined ? `logs/${r.job}_${r.jobId}.out` : `logs/${r.job}_${r.jobId}_${r.index}.out`;
}
