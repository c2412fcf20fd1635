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
// removes it with the runs past `--keep-runs`.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { jsonChunks } from "../../json-chunks.js";
import type { Plan } from "../../plan/plan.js";
import { alive, sizeOf } from "../../store/index.js";
import { readRecord, runsDir, type RunRecord } from "./records.js";

export const plansDir = (projectDir: string): string => path.join(projectDir, ".pipe", "plans");

/** Writes the plan into `.pipe/plans` unless it is there, and links it as `runDir/plan.json`; returns its hash. */
export function savePlan(projectDir: string, plan: Plan, runDir: string): string {
  const dir = plansDir(projectDir);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${process.pid}.${Date.now()}.tmp`);
  const hash = crypto.createHash("sha256");
  const fd = fs.openSync(tmp, "w");
  try {
    for (const piece of jsonChunks(plan, 1)) {
      hash.update(piece);
      fs.writeSync(fd, piece);
    }
    hash.update("\n");
    fs.writeSync(fd, "\n");
  } finally {
    fs.closeSync(fd);
  }
  const digest = hash.digest("hex");
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

export interface Freed {
  readonly name: string;
  readonly bytes: number;
}

export interface PrunedRuns {
  readonly runs: Freed[];
  readonly plans: Freed[];
  /** Runs past the last N that still run, kept. */
  readonly running: string[];
}

/**
 * Removes the project's runs older than its last `keep` (never one that still runs: its
 * pipe lives), then the plans no run links to any more.
 */
export function pruneRuns(projectDir: string, keep: number, dryRun: boolean): PrunedRuns {
  const runs = listedRunDirs(projectDir);
  const old = runs.slice(0, Math.max(0, runs.length - keep));
  const removed: Freed[] = [];
  const running: string[] = [];
  for (const dir of old) {
    const record = readRecord(dir);
    if (record?.status === "running" && alive(record.pid)) {
      running.push(path.basename(dir));
      continue;
    }
    const planFile = path.join(dir, "plan.json");
    const plan = statOf(planFile);
    // The plan's bytes are freed only with its last link (counted with the plans below).
    const bytes = sizeOf(dir) - (plan && plan.nlink > 1 ? plan.size : 0);
    if (!dryRun) fs.rmSync(dir, { recursive: true, force: true });
    removed.push({ name: path.basename(dir), bytes });
  }
  const plans: Freed[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(plansDir(projectDir));
  } catch {
    // No plans kept.
  }
  // In a dry run the links of the runs that would go are counted as gone.
  const leavingLinks = new Map<string, number>();
  if (dryRun) {
    for (const dir of old) {
      const s = statOf(path.join(dir, "plan.json"));
      if (s && !running.includes(path.basename(dir))) leavingLinks.set(`${s.dev}:${s.ino}`, (leavingLinks.get(`${s.dev}:${s.ino}`) ?? 0) + 1);
    }
  }
  for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).sort()) {
    const file = path.join(plansDir(projectDir), name);
    const s = statOf(file);
    if (!s) continue;
    const links = s.nlink - (leavingLinks.get(`${s.dev}:${s.ino}`) ?? 0);
    if (links > 1) continue;
    if (!dryRun) fs.rmSync(file, { force: true });
    plans.push({ name, bytes: s.size });
  }
  return { runs: removed, plans, running };
}

function listedRunDirs(projectDir: string): string[] {
  try {
    return fs
      .readdirSync(runsDir(projectDir), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(runsDir(projectDir), e.name))
      .sort();
  } catch {
    return [];
  }
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}
