// `pipe submit DIR` runs the bundle's own submit.sh (so a bundle submits the same with or
// without pipe), once it has compared the files the keys of the tasks to submit cover with
// the project (as submit.sh does, but here a directory is checked without node on PATH);
// `pipe cancel DIR` cancels the jobs of every task's last submission with one scancel call.

import fs from "node:fs";
import path from "node:path";
import { Exit, type Io } from "../../cli/io.js";
import { PlanSchema } from "../../plan/plan.js";
import { inStore } from "../../store/index.js";
import { changedFiles, REMEDY, refusalText } from "../../plan/verify-inputs.js";
import { readBundle, readBundleEnv } from "./bundle.js";
import { cancelJobs } from "./queue.js";
import { readRecords } from "./records.js";

export async function slurmSubmit(dir: string, io: Io, options: { ignoreChanges?: boolean } = {}): Promise<number> {
  const bundle = readBundle(dir);
  if (!bundle.ok) {
    io.err(`pipe: ${bundle.error}\n`);
    return Exit.invalid;
  }
  if (!options.ignoreChanges) {
    const changed = await changedSinceEmit(dir, bundle.value.jobs.flatMap((j) => j.tasks));
    if (typeof changed === "string") {
      io.err(`pipe: ${changed}\n`);
      return Exit.invalid;
    }
    if (changed.length) {
      for (const c of changed) io.err(`pipe: ${c}\n`);
      io.err(`pipe: ${refusalText(changed.length === 1 ? "1 file" : `${changed.length} files`, `pipe submit ${path.relative(io.cwd, dir) || "."} --ignore-changes`)}\n`);
      return Exit.invalid;
    }
  }
  // Loaded on first use, not with the CLI: execa is a third of the start-up of every command.
  const { execa } = await import("execa");
  // Checked here already (or to be ignored): submit.sh need not check again.
  const result = await execa("bash", [path.join(dir, "submit.sh"), "--ignore-changes"], { reject: false, env: io.env as Record<string, string>, cwd: io.cwd });
  if (result.stdout) io.out(String(result.stdout) + "\n");
  if (result.stderr) io.err(String(result.stderr) + "\n");
  return result.exitCode === 0 ? Exit.ok : Exit.failed;
}

/** The messages of the changed files of the bundle's tasks to submit (not in the store, or forced), or what stops the check. */
async function changedSinceEmit(dir: string, tasks: readonly { key: string; force: boolean }[]): Promise<string[] | string> {
  const env = readBundleEnv(dir);
  if (!env.ok) return env.error;
  const store = env.value["PIPE_STORE"];
  const project = env.value["PIPE_PROJECT"];
  if (!store || !project) return `${path.join(dir, "bundle.env")} must set PIPE_STORE and PIPE_PROJECT`;
  let plan;
  try {
    plan = PlanSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8")));
  } catch (error) {
    return `cannot read ${path.join(dir, "plan.json")}: ${(error as Error).message}`;
  }
  const storeDir = path.resolve(dir, store);
  const submit = new Set(tasks.filter((t) => t.force || !inStore(storeDir, t.key)).map((t) => t.key));
  const changed = await changedFiles(plan.tasks.filter((t) => submit.has(t.key)), path.resolve(dir, project), REMEDY.slurm);
  return changed.map((c) => c.message);
}

export async function slurmCancel(dir: string, io: Io): Promise<number> {
  const bundle = readBundle(dir);
  if (!bundle.ok) {
    io.err(`pipe: ${bundle.error}\n`);
    return Exit.invalid;
  }
  const ids = [...new Set([...readRecords(dir).values()].map((r) => r.jobId))].sort((a, b) => Number(a) - Number(b));
  if (ids.length === 0) {
    io.err("pipe: nothing was submitted from this bundle\n");
    return Exit.ok;
  }
  const { error } = await cancelJobs(ids, io.env);
  if (error) {
    io.err(`pipe: ${error}\n`);
    return Exit.failed;
  }
  io.err(`cancelled jobs ${ids.join(" ")} (those still queued or running)\n`);
  return Exit.ok;
}
