// Shared helpers of the local backend's tests: fresh project copies of test/fixtures/local
// under the system temp directory, and readers of what a run leaves behind.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { expect } from "vitest";
import { listRuns } from "../src/backends/local/read-records.js";
import type { RunRecord } from "../src/backends/local/records.js";
import type { Plan } from "../src/plan/plan.js";
import { taskScript } from "../src/plan/script.js";

export const root = path.resolve(import.meta.dirname, "..");
const fixtures = path.join(root, "test", "fixtures", "local");
const made: string[] = [];

/** A fresh copy of a fixture project (a directory under test/fixtures/local), without any `.pipe`. */
export function localProject(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pipe-local-${path.basename(name)}-`));
  made.push(dir);
  fs.cpSync(path.join(fixtures, name), dir, { recursive: true, filter: (src) => path.basename(src) !== ".pipe" });
  return dir;
}

export function cleanLocalProjects(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Keys in the store (its dot-directories left out). */
export function storeKeys(dir: string): string[] {
  const store = path.join(dir, ".pipe", "store");
  return fs.existsSync(store) ? fs.readdirSync(store).filter((n) => !n.startsWith(".")).sort() : [];
}

/** What is left in the store's work area. */
export function tmpLeft(dir: string): string[] {
  const tmp = path.join(dir, ".pipe", "store", ".tmp");
  return fs.existsSync(tmp) ? fs.readdirSync(tmp) : [];
}

/** The project's run records, oldest first, each with its directory. */
export function readRuns(dir: string): (RunRecord & { dir: string })[] {
  return listRuns(dir).map(({ dir: runDir, record }) => ({ ...record, dir: runDir }));
}

/**
 * The plan of the project's latest local run, run again by its self-contained task scripts
 * (as on Slurm) into a second store, `other-store`, so that tests can compare the two.
 */
export async function rerunBySelfContainedScripts(dir: string): Promise<{ plan: Plan; store: string }> {
  const [record] = readRuns(dir);
  const plan = JSON.parse(fs.readFileSync(path.join(record!.dir, "plan.json"), "utf8")) as Plan;
  const store = path.join(dir, "other-store");
  for (const task of plan.tasks) {
    const script = path.join(dir, `${task.key}.sh`);
    fs.writeFileSync(script, taskScript(plan, task));
    const s = await execa("bash", [script], { env: { PIPE_STORE: store, PIPE_PROJECT: dir, PIPE_HOME: root }, reject: false });
    expect(s.exitCode, s.stderr).toBe(0);
  }
  return { plan, store };
}
