// Dynamic loops in a Slurm bundle, without a daemon. A loop whose list is an upstream task's
// output (plan/dynamic.ts) becomes an expanding job: a small job that waits (`afterok`) on
// the jobs of the loop's upstream tasks, then runs `pipe expand-bundle`, which plans the
// program again from the bundle's snapshot of its sources (`replan.json`), the list now in
// the store, and writes the tasks that appeared as a part of the bundle of its own,
// `expand/NAME/` (jobs, task scripts, a submit.sh), and runs that submit.sh: the loop's
// tasks as a job array, what depends on them after it, chained with `afterok` and
// `--kill-on-invalid-dep=yes` on the bundle's other jobs still queued or running, nested
// loops as expanding jobs again. Like the bundle's own submit.sh it submits only what is
// missing from the store, so a resubmit after a failure submits the expanding jobs again
// and they submit only what is missing.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Pending, Plan, PlanValue } from "../../plan/plan.js";
import { PlanValueSchema } from "../../plan/plan.js";
import { printable } from "../../printable.js";
import { shellQuote } from "../../shell/quote.js";
import { BUNDLE_FILE, ENV_FILE, readBundle, type BundleJob } from "./bundle.js";
import { awaitedJobs } from "./jobs.js";
import { sbatchOptions, type SlurmConfig } from "./directives.js";

export const REPLAN_FILE = "replan.json";
/** Where the parts written by expanding jobs live, one directory per loop. */
export const EXPAND_DIR = "expand";

/** What an expanding job needs to plan the program again on a compute node. */
export const ReplanSchema = z.object({
  entry: z.string(),
  /** The entry file, relative to the project. */
  file: z.string(),
  /** The entry pipeline's parameters, as the plan records them. */
  params: z.record(z.string(), PlanValueSchema),
  /** Every source file of the program inside the project, by project-relative path, as it was when the bundle was written. */
  sources: z.record(z.string(), z.string()),
  /** The slurm section of the config the bundle was written with. */
  slurm: z.unknown(),
});
export type ReplanRecord = z.infer<typeof ReplanSchema>;

/** A dynamic loop's expanding job. */
export interface ExpandJob {
  readonly name: string;
  readonly loop: string;
  /** Jobs of the loop's upstream tasks (afterok). */
  readonly after: readonly string[];
}

/** The expanding jobs of the plan's loops that wait on planned tasks only; `jobOf` names the job holding a task. */
export function expandJobs(plan: Plan, jobOf: (task: string) => string | undefined, prefix: string, used: Set<string>): ExpandJob[] {
  return loopsToExpand(plan).map((p) => {
    let name = `${prefix}expand-${jobSafe(p.id)}`;
    for (let n = 2; used.has(name); n++) name = `${prefix}expand-${jobSafe(p.id)}-${n}`;
    used.add(name);
    const after = [...new Set(p.over.map((o) => jobOf(o.task)).filter((j): j is string => j !== undefined))].sort();
    return { name, loop: p.id, after };
  });
}

export function loopsToExpand(plan: Plan): Pending[] {
  return (plan.pending ?? []).filter((p) => p.kind === "loop" && p.over.length > 0 && p.after.length === 0);
}

/** `main/runs[lr=0.1]/w` → `runs-lr-0.1-w`, for job and directory names. */
export function jobSafe(id: string): string {
  const local = id.replace(/^[^/]*\//, "");
  const name = local.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "").slice(0, 60) || "loop";
  return name;
}

/** The directory of a loop's part: readable, and unique by a hash of the loop's id. */
export function partDir(loop: string): string {
  return `${EXPAND_DIR}/${jobSafe(loop)}-${crypto.createHash("sha256").update(loop).digest("hex").slice(0, 8)}`;
}

/** The sbatch script of an expanding job; `root` is the bundle's directory relative to the one it is submitted from. */
export function expandJobScript(job: ExpandJob, slurm: SlurmConfig, root: string): string {
  const options = sbatchOptions({}, slurm);
  return [
    "#!/usr/bin/env bash",
    `# pipe expanding job ${job.name}: once the tasks of ${job.after.join(", ") || "the loop"} have run, plans the`,
    `# dynamic loop ${printable(job.loop)} from the store and submits its tasks (see README.md).`,
    `#SBATCH --job-name=${job.name}`,
    `#SBATCH --output=logs/${job.name}_%j.out`,
    ...options.map((o) => `#SBATCH ${o}`),
    "set -euo pipefail",
    'cd "${SLURM_SUBMIT_DIR:-.}"',
    "set -a",
    "# shellcheck source=/dev/null",
    ". ./bundle.env",
    "set +a",
    ...(slurm.setup.length ? ["set +u", "# shellcheck disable=SC1090,SC1091", "{", ...slurm.setup.map((l) => `  ${l}`), "}", "set -u"] : []),
    ': "${PIPE_HOME:?bundle.env must name the pipe installation (PIPE_HOME) to expand a dynamic loop}"',
    `exec node "$PIPE_HOME/bin/pipe.js" expand-bundle ${shellQuote(root)} --loop ${shellQuote(job.loop)}`,
    "",
  ].join("\n");
}

/** The submit.sh lines that submit the expanding jobs, after the jobs they wait on. */
export function expandCalls(jobs: readonly ExpandJob[]): string[] {
  return jobs.flatMap((j) => [`# ${j.name}: expands ${printable(j.loop)}`, ["expand", j.name, shellQuote(expandLabel(j.loop)), ...j.after.map((a) => `afterok:${a}`)].join(" ")]);
}

/** How jobs.tsv and `pipe status` name an expanding job's work: `(expand) main/w`. */
export function expandLabel(loop: string): string {
  return `(expand) ${printable(loop)}`;
}

/** The tasks and loops of every part written so far, but `except`'s: what the bundle already has. */
export function partsKnown(root: string, except: string): { tasks: Set<string>; loops: Set<string>; jobOf: Map<string, string> } {
  const tasks = new Set<string>();
  const loops = new Set<string>();
  const jobOf = new Map<string, string>();
  const add = (dir: string) => {
    const read = readBundle(dir);
    if (!read.ok) throw new Error(read.error);
    const bundle = read.value;
    awaitedJobs(bundle.jobs, jobOf);
    for (const e of bundle.expands ?? []) loops.add(e.loop);
    for (const j of bundle.jobs) for (const t of j.tasks) tasks.add(t.id);
  };
  add(root);
  const parts = path.join(root, EXPAND_DIR);
  if (fs.existsSync(parts)) {
    for (const name of fs.readdirSync(parts).sort()) {
      const dir = path.join(parts, name);
      if (path.join(EXPAND_DIR, name) === except || !fs.existsSync(path.join(dir, BUNDLE_FILE))) continue;
      add(dir);
    }
  }
  return { tasks, loops, jobOf };
}

/** The part's own plan: its tasks, each with the dependencies inside it (the others are other jobs'). */
export function partPlan(plan: Plan, ids: ReadonlySet<string>): Plan {
  return { ...plan, tasks: plan.tasks.filter((t) => ids.has(t.id)).map((t) => ({ ...t, deps: t.deps.filter((d) => ids.has(d)) })) };
}

/** A job's dependencies on jobs outside its part, for its tasks' upstream tasks held there. */
export function externalAfter(job: BundleJob, full: ReadonlyMap<string, readonly string[]>, inPart: ReadonlySet<string>, jobOf: ReadonlyMap<string, string>): string[] {
  const names = new Set<string>();
  for (const t of job.tasks) for (const d of full.get(t.id) ?? []) if (!inPart.has(d) && jobOf.has(d)) names.add(jobOf.get(d)!);
  return [...names].sort();
}

/** The `params` of a replan as the plan records them, keyed like the plan. */
export function replanRecord(plan: Plan, sources: ReadonlyMap<string, string>, projectDir: string, slurm: SlurmConfig): ReplanRecord {
  const own: Record<string, string> = {};
  for (const [file, text] of [...sources].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rel = path.relative(projectDir, file);
    if (!rel.startsWith("..") && !path.isAbsolute(rel)) own[rel.split(path.sep).join("/")] = text;
  }
  return { entry: plan.entry, file: plan.file, params: plan.params as Record<string, PlanValue>, sources: own, slurm };
}

export { ENV_FILE };
