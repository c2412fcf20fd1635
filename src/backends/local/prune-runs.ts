// Pruning a project's run records (`pipe gc --keep-runs N`): the runs older than the last N
// go, never one that still runs, and then the plans (run-storage.ts) no run links to any more.

import fs from "node:fs";
import path from "node:path";
import { sizeOf } from "../../store/gc.js";
import { alive } from "../../store/locks.js";
import { runsDir } from "./records.js";
import { readRecord } from "./read-records.js";
import { plansDir } from "./run-storage.js";

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
