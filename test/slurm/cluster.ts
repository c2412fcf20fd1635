// The test Slurm for the tests that need one: started (or found running) by
// start-slurm.sh. Where none can be started the tests skip with a visible message, unless
// PIPE_REQUIRE_SLURM is set (as in .ci/run), which makes that a failure.
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { readBundlePlan } from "../../src/backends/slurm/bundle.js";
import { ACTIVE_STATES, queueStates, type Env } from "../../src/backends/slurm/queue.js";
import type { Plan } from "../../src/plan/plan.js";

/** Whether a Slurm is up; `what` names the tests that skip when it is not. */
export async function startTestSlurm(what: string): Promise<boolean> {
  const script = path.join(import.meta.dirname, "start-slurm.sh");
  const started = await execa("bash", [script], { reject: false, all: true, timeout: 300_000 });
  if (started.exitCode === 0) return true;
  const why = `no Slurm could be started (test/slurm/start-slurm.sh: ${String(started.all).trim().split("\n").pop()})`;
  if (process.env["PIPE_REQUIRE_SLURM"]) throw new Error(why);
  console.warn(`skipping the ${what}: ${why}`);
  return false;
}

// The steps the Slurm tests share: a project beside its store, the bundle's plan, its
// records, waiting until none of its jobs is queued or running, the outputs in a store.

/** A copy of a project (a directory, or the text of its main.pipe) in `tmp/name/proj`, its store beside it, with jobs that share the node's cores (a 2-CPU node). */
export function slurmProject(tmp: string, source: string | { text: string }, name: string): { dir: string; proj: string; bundle: string; store: string } {
  const dir = path.join(tmp, name);
  const proj = path.join(dir, "proj");
  if (typeof source === "string") fs.cpSync(source, proj, { recursive: true, filter: (src) => path.basename(src) !== ".pipe" });
  else {
    fs.mkdirSync(proj, { recursive: true });
    fs.writeFileSync(path.join(proj, "main.pipe"), source.text);
  }
  fs.writeFileSync(path.join(proj, "pipe.config.json"), JSON.stringify({ store: "../store", slurm: { extraArgs: ["--oversubscribe"] } }));
  return { dir, proj, bundle: path.join(dir, "bundle"), store: path.join(dir, "store") };
}

/** The plan of an emitted bundle. */
export function bundlePlan(bundle: string): Plan {
  const read = readBundlePlan(bundle);
  if (!read.ok) throw new Error(read.error);
  return read.value;
}

/** The lines of the bundle's jobs.tsv (task, job, Slurm job id, index). */
export function jobRecords(bundle: string): string[][] {
  const file = path.join(bundle, "jobs.tsv");
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split("\t"));
}

/** Waits until none of the bundle's jobs (in jobs.tsv) is queued or running. */
export async function settle(bundle: string, seconds = 120, env: Env = process.env): Promise<void> {
  const ids = [...new Set(jobRecords(bundle).map((r) => r[2]!))];
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const { states, error } = await queueStates(ids, env);
    if (error) throw new Error(error);
    const active = [...states].filter(([, q]) => ACTIVE_STATES.has(q.state));
    if (active.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still queued or running after ${seconds}s: ${active.map(([id, q]) => `${id} ${q.state} ${q.reason}`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Every output file of every task of the plan (meta.json aside), by task id. */
export function storedOutputs(plan: Plan, store: string): Record<string, Record<string, string>> {
  return Object.fromEntries(
    plan.tasks.map((t) => {
      const dir = path.join(store, t.key);
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f !== "meta.json").sort() : [];
      return [t.id, Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]))];
    }),
  );
}
