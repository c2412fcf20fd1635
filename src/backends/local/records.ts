// Run records: every `pipe run` gets `.pipe/runs/<run-id>/` with the plan, each task's
// script and logs, and `run.json` (status and a table of start, end, duration, exit code
// and peak memory per task; `tasks.tsv` holds the same table for people, ids escaped by
// printable.ts so that each task stays one line of its columns).

import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { printable } from "../../printable.js";
import { PlanValueSchema } from "../../plan/plan.js";

/** A task's line in a run's record: how it went in that run. */
export const RunTaskRecordSchema = z.object({
  id: z.string(),
  key: z.string(),
  state: z.enum(["cached", "done", "failed", "skipped", "cancelled", "interrupted", "pending"]),
  reason: z.string().optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  durationMs: z.number().optional(),
  exitCode: z.number().nullable().optional(),
  /** Peak resident memory of the task's process group, sampled; null when it ended between samples. */
  peakRssKb: z.number().nullable().optional(),
  attempts: z.number().optional(),
  /** Paths of the logs, relative to the run directory. */
  stdout: z.string().optional(),
  stderr: z.string().optional(),
});
export type RunTaskRecord = z.infer<typeof RunTaskRecordSchema>;

export const RunRecordSchema = z.object({
  id: z.string(),
  file: z.string(),
  entry: z.string(),
  started: z.string(),
  ended: z.string().optional(),
  status: z.enum(["running", "ok", "failed", "interrupted"]),
  pid: z.number(),
  tasks: z.array(RunTaskRecordSchema),
  /** The entry's parameters that differ from their defaults, and the project's git commit (results/run-context.ts). */
  params: z.record(z.string(), PlanValueSchema).optional(),
  commit: z.string().optional(),
  /** A run that ran nothing keeps no task table, only how many tasks it found cached (run-storage.ts). */
  cachedOnly: z.number().optional(),
});
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

export function writeRecord(dir: string, record: RunRecord): void {
  const tmp = path.join(dir, `run.json.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(record, null, 1) + "\n");
  fs.renameSync(tmp, path.join(dir, "run.json"));
  const rows = record.tasks.map((t) =>
    [printable(t.id), t.state, t.start ?? "", t.end ?? "", t.durationMs ?? "", t.exitCode ?? "", t.peakRssKb ?? "", t.attempts ?? ""].join("\t"),
  );
  fs.writeFileSync(path.join(dir, "tasks.tsv"), ["task\tstate\tstart\tend\tduration_ms\texit_code\tpeak_rss_kb\tattempts", ...rows].join("\n") + "\n");
}

export function readRecord(dir: string): RunRecord | undefined {
  try {
    const parsed = RunRecordSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Runs of a project, oldest first. */
export function listRuns(projectDir: string): { dir: string; record: RunRecord }[] {
  const root = runsDir(projectDir);
  let names: string[] = [];
  try {
    names = fs.readdirSync(root).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const record = readRecord(path.join(root, name));
    return record ? [{ dir: path.join(root, name), record }] : [];
  });
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
