// A local run as a report: its run.json (one line per task, `tries` per attempt), its plan
// (actions and dependencies) and the end of each failed task's stderr.

import fs from "node:fs";
import path from "node:path";
import type { RunRecord } from "../backends/local/records.js";
import { PlanSchema, type Plan } from "../plan/plan.js";
import { tailAndError, type Report, type ReportAttempt, type ReportState, type ReportTask } from "./model.js";

export function localReport(dir: string, record: RunRecord): Report {
  const plan = readPlan(path.join(dir, "plan.json"));
  const notes: string[] = [];
  if (!plan) notes.push("the run's plan.json could not be read: actions and dependencies are missing");
  const byId = new Map(plan?.tasks.map((t) => [t.id, t]) ?? []);
  const tasks = record.tasks.map((t): ReportTask => {
    const planned = byId.get(t.id);
    const attempts: ReportAttempt[] = t.tries?.length
      ? t.tries.map((a) => ({
          attempt: a.attempt,
          state: a.state,
          ...time(a.start, "start"),
          ...time(a.end, "end"),
          ...(a.durationMs !== undefined ? { durationMs: a.durationMs } : {}),
          ...(a.peakRssKb != null ? { peakRssKb: a.peakRssKb } : {}),
          ...(a.exitCode != null ? { exitCode: a.exitCode } : {}),
          memMb: a.memMb,
          timeS: a.timeS,
        }))
      : t.start
        ? // A record written before attempts had their own lines: its last attempt.
          [{ attempt: t.attempts ?? 1, state: t.state === "done" ? "done" : "failed", ...time(t.start, "start"), ...time(t.end, "end"), ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}), ...(t.peakRssKb != null ? { peakRssKb: t.peakRssKb } : {}) }]
        : [];
    const failed = t.state === "failed";
    const log = failed && t.stderr ? readOr(path.join(dir, t.stderr)) : "";
    const why = failed ? tailAndError(log || `exit code ${t.exitCode ?? "?"}`) : undefined;
    return {
      id: t.id,
      action: planned ? (plan!.actions[planned.action]?.name ?? planned.action) : "?",
      deps: planned?.deps ?? [],
      state: t.state as ReportState,
      attempts,
      ...(why ? { error: why.error, logTail: log ? why.tail : "" } : {}),
    };
  });
  return { kind: "local run", name: record.id, file: record.file, entry: record.entry, status: record.status, tasks, source: "pipe's record of the run (peak memory sampled every 0.2 s)", notes };
}

function time(iso: string | undefined, name: "start" | "end"): { start?: number; end?: number } {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? { [name]: t } : {};
}

export function readPlan(file: string): Plan | undefined {
  try {
    const parsed = PlanSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function readOr(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
