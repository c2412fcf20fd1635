// Reading run records back (`run.json`, records.ts), validated with their schema: `pipe
// history`, `pipe logs`, `pipe report` and the pruning of old runs read them; a record is a
// file anyone may have edited, and one that does not match is skipped, not trusted.

import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PlanValueSchema } from "../../plan/plan.js";
import { runsDir, type RunRecord } from "./records.js";

/** One attempt of a task: its times and what it was given (the allocation grows on retries). */
export const AttemptRecordSchema = z.object({
  attempt: z.number().int().positive(),
  state: z.enum(["running", "done", "failed", "interrupted", "cancelled"]),
  start: z.string().optional(),
  end: z.string().optional(),
  durationMs: z.number().optional(),
  exitCode: z.number().nullable().optional(),
  peakRssKb: z.number().nullable().optional(),
  cpus: z.number(),
  /** 0 when the task declares none. */
  memMb: z.number(),
  timeS: z.number(),
});

/**
 * A task's line in a run's record: how it went in that run. Its start, end, duration, exit
 * code and peak memory are those of its last attempt; `tries` has every attempt's.
 */
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
  tries: z.array(AttemptRecordSchema).optional(),
  /** Paths of the logs, relative to the run directory. */
  stdout: z.string().optional(),
  stderr: z.string().optional(),
});

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

export function readRecord(dir: string): RunRecord | undefined {
  try {
    const parsed = RunRecordSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")));
    return parsed.success ? (parsed.data as RunRecord) : undefined;
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

