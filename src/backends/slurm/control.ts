// Submitting and cancelling a bundle. `submitBundle` runs the bundle's own submit.sh (so a
// bundle submits the same with or without pipe), once it has compared the files the keys of
// the tasks to submit cover with the project (as submit.sh does, but here a directory is
// checked without node on PATH); `cancelBundle` cancels the jobs of every task's last
// submission with one scancel call. Both return what happened, for the CLI to print.

import fs from "node:fs";
import path from "node:path";
import { storeLookup } from "../../store/index.js";
import { changedFiles, REMEDY } from "../../plan/verify-inputs.js";
import { readBundle, readBundleEnv, readBundlePlan, type UnreadableBundle } from "./bundle.js";
import { cancelJobs, type Env } from "./queue.js";
import { readSubmissionChains } from "./records.js";
import { EXPAND_DIR } from "./expand.js";

export type SubmitOutcome =
  | UnreadableBundle
  /** The files could not be compared (bundle.env or plan.json.gz): `error` says why. */
  | { readonly kind: "cannot check"; readonly error: string }
  /** Nothing was submitted: one message per changed file. */
  | { readonly kind: "changed"; readonly messages: string[] }
  /** submit.sh ran: its exit code (none when a signal ended it) and what it printed. */
  | { readonly kind: "ran"; readonly exitCode: number | undefined; readonly stdout: string; readonly stderr: string };

export async function submitBundle(dir: string, options: { env: Env; cwd: string; ignoreChanges?: boolean }): Promise<SubmitOutcome> {
  const bundle = readBundle(dir);
  if (!bundle.ok) return { kind: "unreadable", error: bundle.error };
  if (!options.ignoreChanges) {
    const changed = await changedSinceEmit(dir, bundle.value.jobs.flatMap((j) => j.tasks));
    if (typeof changed === "string") return { kind: "cannot check", error: changed };
    if (changed.length) return { kind: "changed", messages: changed };
  }
  // Loaded on first use, not with the CLI: execa is a third of the start-up of every command.
  const { execa } = await import("execa");
  // Checked here already (or to be ignored): submit.sh need not check again.
  const result = await execa("bash", [path.join(dir, "submit.sh"), "--ignore-changes"], { reject: false, env: options.env as Record<string, string>, cwd: options.cwd });
  return { kind: "ran", exitCode: result.exitCode, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
}

/** The messages of the changed files of the bundle's tasks to submit (not in the store, or forced), or what stops the check. */
async function changedSinceEmit(dir: string, tasks: readonly { key: string; force: boolean }[]): Promise<string[] | string> {
  const env = readBundleEnv(dir);
  if (!env.ok) return env.error;
  const store = env.value["PIPE_STORE"];
  const project = env.value["PIPE_PROJECT"];
  if (!store || !project) return `${path.join(dir, "bundle.env")} must set PIPE_STORE and PIPE_PROJECT`;
  const read = readBundlePlan(dir);
  if (!read.ok) return read.error;
  const plan = read.value;
  const storeDir = path.resolve(dir, store);
  const stored = storeLookup(storeDir, tasks.length);
  const submit = new Set(tasks.filter((t) => t.force || !stored(t.key)).map((t) => t.key));
  const changed = await changedFiles(plan.tasks.filter((t) => submit.has(t.key)), path.resolve(dir, project), REMEDY.slurm);
  return changed.map((c) => c.message);
}

export type CancelOutcome =
  | UnreadableBundle
  | { readonly kind: "nothing submitted" }
  /** One scancel of `jobIds` (numeric order); `error` when it failed. */
  | { readonly kind: "cancelled"; readonly jobIds: string[]; readonly error?: string };

export async function cancelBundle(dir: string, env: Env): Promise<CancelOutcome> {
  const bundle = readBundle(dir);
  if (!bundle.ok) return { kind: "unreadable", error: bundle.error };
  // Every current attempt: cancelling them makes Slurm cancel their joins and dependents.
  // With the jobs the bundle's expanding jobs submitted, in its parts (expand.ts).
  const parts = path.join(dir, EXPAND_DIR);
  const records = [dir, ...(fs.existsSync(parts) ? fs.readdirSync(parts).filter((n) => !n.startsWith(".")).map((n) => path.join(parts, n)) : [])];
  const jobIds = [
    ...new Set(
      records.flatMap((d) => {
        const b = d === dir ? bundle : readBundle(d);
        const retries = new Set(b.ok ? b.value.jobs.filter((j) => j.attempt).map((j) => j.name) : []);
        return [...readSubmissionChains(d, retries).values()].flat().map((r) => r.jobId);
      }),
    ),
  ].sort((a, b) => Number(a) - Number(b));
  if (jobIds.length === 0) return { kind: "nothing submitted" };
  const { error } = await cancelJobs(jobIds, env);
  return { kind: "cancelled", jobIds, ...(error ? { error } : {}) };
}
