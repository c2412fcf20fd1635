// Run records: every `pipe run` gets `.pipe/runs/<run-id>/` with the plan, each task's
// script and logs, and `run.json` (status and, per task, its state and each attempt's start,
// end, duration, exit code, peak memory and allocation; `tasks.tsv` holds the same table
// for people, one line per attempt, ids escaped by printable.ts so that each attempt stays
// one line of its columns).

import fs from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { writeJsonFile, writePieces } from "../../json-chunks.js";
import { printable } from "../../printable.js";
import { ensureProjectDir } from "../../store/layout.js";
import type { AttemptRecordSchema, RunRecordSchema, RunTaskRecordSchema } from "./read-records.js";

// The record's types are its schema's (read-records.ts), which is loaded only where records
// are read back: a run writes its record without loading zod.

/** One attempt of a task: its times and what it was given (the allocation grows on retries). */
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/**
 * A task's line in a run's record: how it went in that run. Its start, end, duration, exit
 * code and peak memory are those of its last attempt; `tries` has every attempt's.
 */
export type RunTaskRecord = z.infer<typeof RunTaskRecordSchema>;

export type RunRecord = z.infer<typeof RunRecordSchema>;

export function runsDir(projectDir: string): string {
  return path.join(projectDir, ".pipe", "runs");
}

/**
 * Creates the directory of a new run and returns its id: the UTC time to the millisecond and
 * the pid, so that names sort by start time; a suffix keeps two runs of one process apart.
 */
export function createRunDir(projectDir: string, now: Date): { id: string; dir: string } {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-");
  ensureProjectDir(path.dirname(runsDir(projectDir)));
  fs.mkdirSync(runsDir(projectDir), { recursive: true });
  for (let n = 0; ; n++) {
    const id = `${stamp}-${process.pid}${n ? `.${n}` : ""}`;
    const dir = path.join(runsDir(projectDir), id);
    try {
      fs.mkdirSync(dir);
      return { id, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** A file-name-safe, unique name for a task's files: its index and a slug of its id. */
export function taskFileName(index: number, id: string): string {
  return `${String(index).padStart(5, "0")}-${id.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80)}`;
}

/** Rows of tasks.tsv written by one call: the record of 500,000 tasks is never one string. */
const ROWS_AT_ONCE = 1024;

export function writeRecord(dir: string, record: RunRecord): void {
  const tmp = path.join(dir, `run.json.${process.pid}.tmp`);
  writeJsonFile(tmp, record);
  fs.renameSync(tmp, path.join(dir, "run.json"));
  writePieces(path.join(dir, "tasks.tsv"), (function* () {
    yield TSV_HEADER + "\n";
    for (let i = 0; i < record.tasks.length; i += ROWS_AT_ONCE) yield record.tasks.slice(i, i + ROWS_AT_ONCE).flatMap(tsvRows).join("\n") + "\n";
  })());
}

export const TSV_HEADER = "task\tstate\tattempt\tstart\tend\tduration_ms\texit_code\tpeak_rss_kb\tcpus\tmem_mb\ttime_s";

/** One line per attempt (a task never attempted, cached or skipped, has one with no attempt). */
function tsvRows(t: RunTaskRecord): string[] {
  const id = printable(t.id);
  if (!t.tries?.length) return [[id, t.state, "", "", "", "", "", "", "", "", ""].join("\t")];
  return t.tries.map((a) =>
    [id, a.state, a.attempt, a.start ?? "", a.end ?? "", a.durationMs ?? "", a.exitCode ?? "", a.peakRssKb ?? "", a.cpus, a.memMb, a.timeS].join("\t"),
  );
}

/** How many of a run's tasks are in each state, in order of first appearance. */
export function stateCounts(record: RunRecord): Record<string, number> {
  const out: Record<string, number> = record.cachedOnly ? { cached: record.cachedOnly } : {};
  for (const t of record.tasks) out[t.state] = (out[t.state] ?? 0) + 1;
  return out;
}

/** `7 done, 1 cached` */
export function stateSummary(record: RunRecord): string {
  return Object.entries(stateCounts(record))
    .map(([state, n]) => `${n} ${state}`)
    .join(", ");
}
