// How run records are kept on disk, so that many runs of one plan cost little:
//
//   .pipe/plans/<sha256>.json   each plan once, named by the hash of its JSON text
//   .pipe/runs/<id>/plan.json   a hard link to the run's plan there (a copy where the file
//                               system has no hard links)
//   .pipe/runs/<id>/run.json    the record (records.ts); a run that ran nothing (every task
//                               cached) ends with a small one: no task table, only the
//                               number of its tasks (`cachedOnly`), and no empty folders
//
// A plan file whose only link is its own is referenced by no run any more: `pipe gc`
// removes it with the runs past `--keep-runs` (prune-runs.ts).

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { jsonChunks, writePieces } from "../../json-chunks.js";
import type { Plan } from "../../plan/plan.js";
import type { RunRecord } from "./records.js";

export const plansDir = (projectDir: string): string => path.join(projectDir, ".pipe", "plans");

/**
 * Links the run's plan as `runDir/plan.json` to `.pipe/plans/<hash>.json`, written first when
 * it is not there; returns its hash. The text is made once, written to a temporary file as
 * it is hashed, which becomes the plan's file or, when that is there already, goes. `known`
 * is the hash a run of the same kept plan found before (plan/plan-cache.ts): while its file
 * is there, the plan is not serialised, nor (given as a function) even made.
 */
export function savePlan(projectDir: string, planOf: Plan | (() => Plan), runDir: string, known?: string): string {
  const dir = plansDir(projectDir);
  if (known !== undefined && /^[0-9a-f]{64}$/.test(known)) {
    try {
      fs.linkSync(path.join(dir, `${known}.json`), path.join(runDir, "plan.json"));
      return known;
    } catch {
      // Gone (pruned), or no hard links here: made as below.
    }
  }
  const plan = typeof planOf === "function" ? planOf() : planOf;
  fs.mkdirSync(dir, { recursive: true });
  const hash = crypto.createHash("sha256");
  const tmp = path.join(dir, `.${process.pid}.${Date.now()}.tmp`);
  let digest: string;
  try {
    writePieces(tmp, (function* () {
      for (const piece of jsonChunks(plan, 1)) {
        hash.update(piece);
        yield piece;
      }
      yield "\n";
    })());
    digest = hash.update("\n").digest("hex");
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  const file = path.join(dir, `${digest}.json`);
  if (fs.existsSync(file)) fs.rmSync(tmp, { force: true });
  else fs.renameSync(tmp, file);
  const link = path.join(runDir, "plan.json");
  try {
    fs.linkSync(file, link);
  } catch {
    fs.copyFileSync(file, link);
  }
  return digest;
}

/** The record a run leaves at its end: small when it ran nothing. */
export function finalRecord(record: RunRecord, runDir: string): RunRecord {
  if (record.status !== "ok" || record.tasks.some((t) => t.state !== "cached")) return record;
  for (const sub of ["scripts", "logs"]) {
    try {
      fs.rmdirSync(path.join(runDir, sub));
    } catch {
      // Not empty: kept.
    }
  }
  return { ...record, tasks: [], cachedOnly: record.tasks.length };
}
