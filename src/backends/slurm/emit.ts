// The bundle as files. `emitSlurm` is pure and deterministic: the same plan and config give
// the same bytes, with no path of the machine in them. The machine's paths (store, project,
// pipe installation) go to one file, `bundle.env`, written by `writeBundle`. `inputs.tsv`
// lists, per job table, the files its tasks' keys cover, for submit.sh's check of them.

import fs from "node:fs";
import path from "node:path";
import { makeDirs } from "../../host.js";
import type { Plan } from "../../plan/plan.js";
import { shellQuote } from "../../shell/quote.js";
import { inputsLines } from "../../plan/verify-inputs.js";
import { BUNDLE_FILE, BUNDLE_FORMAT, bundleToJson, ENV_FILE, INPUTS_FILE, PLAN_FILE, planFile, RECORDS_FILE, tableOf, type Bundle } from "./bundle.js";
import { effectiveResources, type SlurmConfig } from "./directives.js";
import { jobScript, joinScript } from "./job-script.js";
import { taskTable } from "./task-table.js";
import { attemptSlurmResources, awaitedJobs, growsOnRetry, planJobTasks } from "./jobs.js";
import { bundleReadme } from "./readme.js";
import { isStructured, parseType } from "../../store/structured.js";
import { submitScript } from "./submit-script.js";
import { expandCalls, expandJobs, expandJobScript, externalAfter, partPlan } from "./expand.js";

/**
 * A part of a bundle written by an expanding job (expand.ts): the tasks `ids` of the plan,
 * its jobs' names starting with `prefix`, `root` the bundle relative to the part, `jobOf`
 * the jobs of the bundle's other parts by task.
 */
export interface BundlePart {
  readonly ids: ReadonlySet<string>;
  readonly prefix: string;
  readonly root: string;
  readonly jobOf: ReadonlyMap<string, string>;
  /** Loops that other parts expand already. */
  readonly loopsElsewhere: ReadonlySet<string>;
}

export interface EmittedBundle {
  readonly bundle: Bundle;
  /** Path relative to the bundle → content. */
  readonly files: ReadonlyMap<string, string | Buffer>;
}

/**
 * What in a plan makes its tasks run pipe's own node programs on the compute nodes (node on
 * PATH, PIPE_HOME in bundle.env): TypeScript actions, directory inputs (hashed by pipe's
 * code), structured outputs (checked and read by store/structured.ts). Empty when none does.
 */
export function nodeNeeds(plan: Plan): string[] {
  const actions = Object.values(plan.actions);
  return [
    ...(actions.some((a) => a.kind === "ts") ? ["TypeScript actions"] : []),
    ...(plan.tasks.some((t) => t.files.some((f) => f.role === "input")) ? ["checking input directories"] : []),
    ...(actions.some((a) => a.outputs.some((o) => isStructured(parseType(o.type)))) ? ["structured outputs (lists and records)"] : []),
    ...(plan.pending?.length ? ["expanding dynamic loops (an expanding job plans again with pipe)"] : []),
  ];
}

export function emitSlurm(full: Plan, slurm: SlurmConfig, part?: BundlePart): EmittedBundle {
  const plan = part ? partPlan(full, part.ids) : full;
  const { jobs, tasksOf } = planJobTasks(plan, slurm);
  if (part) {
    // Names unique across the bundle's parts: jobs.tsv records and dependencies go by name.
    const rename = (name: string) => `${part.prefix}${name}`;
    const deps = new Map(full.tasks.map((t) => [t.id, t.deps]));
    for (const j of jobs) {
      const external = externalAfter(j, deps, part.ids, part.jobOf).map((job) => ({ job, type: "afterok" as const }));
      Object.assign(j, {
        name: rename(j.name),
        script: `jobs/${rename(j.name)}.sh`,
        after: [...j.after.map((a) => ({ ...a, job: rename(a.job) })), ...external],
        ...(j.retryOf ? { retryOf: rename(j.retryOf) } : {}),
        ...(j.join ? { join: { name: rename(j.join.name), script: `jobs/${rename(j.join.name)}.sh`, attempts: j.join.attempts.map(rename) } } : {}),
      });
    }
  }
  const used = new Set(jobs.map((j) => j.name));
  const pendingHere = part ? { ...full, pending: (full.pending ?? []).filter((p) => !part.loopsElsewhere.has(p.id)) } : full;
  // Made only for a plan with loops to expand: a job by task id, of every task.
  let jobOf: Map<string, string> | undefined;
  const expands = expandJobs(pendingHere, (t) => (jobOf ??= awaitedJobs(jobs, new Map(part?.jobOf ?? []))).get(t), part?.prefix ?? "", used);
  const bundle: Bundle = { format: BUNDLE_FORMAT, entry: plan.entry, file: plan.file, jobs, ...(expands.length ? { expands: expands.map((e) => ({ ...e, after: [...e.after] })) } : {}) };
  const files = new Map<string, string | Buffer>([
    ["README.md", bundleReadme(bundle, { python: Object.values(full.actions).some((a) => a.kind === "py"), nodeNeeds: nodeNeeds(full) })],
    ["submit.sh", submitScript(bundle, slurm.arrayThrottle, { calls: expandCalls(expands), part: part !== undefined })],
  ]);
  let inputs = "";
  for (const e of expands) files.set(`jobs/${e.name}.sh`, expandJobScript(e, slurm, part?.root ?? "."));
  // A part's tasks are copies (their deps within the part): the tables are made of the plan's own.
  const byId = part ? new Map(full.tasks.map((t) => [t.id, t])) : undefined;
  const bodies = new Map<string, readonly string[]>();
  for (const job of jobs) {
    const tasks = byId ? tasksOf.get(job)!.map((t) => byId.get(t.id)!) : tasksOf.get(job)!;
    const first = tasks[0]!;
    const retries = growsOnRetry(first) ? 0 : first.retries;
    const r = attemptSlurmResources(first, slurm, job.attempt ?? 1);
    const given = { cpus: r.cpus ?? 1, memMb: r.mem ?? 0, timeS: r.time ?? 0 };
    // A retry runs its first attempt's tasks, from that job's table.
    let body = job.retryOf ? bodies.get(job.retryOf) : undefined;
    if (!body) {
      const inputList = job.script.replace(/\.sh$/, ".inputs");
      const { table, inputs: upstream } = taskTable(full, tasks, (_, i) => job.tasks[i]!.force, inputList);
      files.set(tableOf(job), table.rows.join(""));
      if (upstream !== undefined) files.set(inputList, upstream);
      inputs += inputsLines(tableOf(job), tasks);
      body = table.body;
      bodies.set(job.name, body);
    }
    files.set(job.script, jobScript(job, { setup: slurm.setup, retries, given }, body));
    if (job.join) files.set(job.join.script, joinScript(job, joinOptions(first.resources, slurm)));
  }
  files.set(INPUTS_FILE, inputs);
  files.set(BUNDLE_FILE, bundleToJson(bundle, files as ReadonlyMap<string, string>));
  files.set(PLAN_FILE, planFile(plan));
  return { bundle, files };
}

/** Where the join job goes: the attempts' partition, account and qos, nothing else. */
function joinOptions(own: Plan["tasks"][number]["resources"], slurm: SlurmConfig): string[] {
  const r = effectiveResources(own, slurm);
  return [
    ...(r.partition !== undefined ? [`--partition=${r.partition}`] : []),
    ...(r.account !== undefined ? [`--account=${r.account}`] : []),
    ...(r.qos !== undefined ? [`--qos=${r.qos}`] : []),
  ].map((o) => o.replace(/[\r\n]+/g, " "));
}

export interface MachinePaths {
  readonly store: string;
  readonly project: string;
  /** The pipe installation, for TypeScript actions and to check directory inputs. */
  readonly pipeHome?: string;
}

export function bundleEnv(paths: MachinePaths): string {
  return [
    "# The paths of the machine this bundle was written on (the only file that names them):",
    "# the result store, the project directory commands run in, and for TypeScript actions and",
    "# checks of directory inputs the pipe installation. Edit them when the bundle moves.",
    `PIPE_STORE=${shellQuote(paths.store)}`,
    `PIPE_PROJECT=${shellQuote(paths.project)}`,
    ...(paths.pipeHome ? [`PIPE_HOME=${shellQuote(paths.pipeHome)}`] : []),
    "",
  ].join("\n");
}

export interface WriteResult {
  /** Job ids recorded by an earlier, different bundle in the same directory, now dropped. */
  readonly droppedJobIds: string[];
  readonly error?: string;
}

/**
 * Writes a bundle into `dir`. Over an earlier bundle the generated files are replaced and
 * `logs/` is kept; so is `jobs.tsv` when the jobs are the same, otherwise its records belong
 * to other jobs and are dropped (their ids are returned so the caller can mention them).
 */
export function writeBundle(dir: string, emitted: EmittedBundle, paths: MachinePaths): WriteResult {
  const existing = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  let droppedJobIds: string[] = [];
  if (existing.length > 0) {
    if (!existing.includes(BUNDLE_FILE)) return { droppedJobIds, error: `${dir} is not empty and holds no pipe bundle; choose another directory` };
    const same = fs.readFileSync(path.join(dir, BUNDLE_FILE), "utf8") === emitted.files.get(BUNDLE_FILE);
    const records = path.join(dir, RECORDS_FILE);
    if (!same && fs.existsSync(records)) {
      droppedJobIds = [...new Set(fs.readFileSync(records, "utf8").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split("\t")[2]!))];
      fs.rmSync(records);
    }
    for (const sub of ["jobs", "tasks", "expand"]) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
  }
  try {
    for (const sub of ["jobs", "logs"]) makeDirs(path.join(dir, sub));
  } catch (error) {
    return { droppedJobIds, error: `cannot write the bundle in ${dir}: ${(error as Error).message}` };
  }
  for (const [file, content] of emitted.files) {
    fs.writeFileSync(path.join(dir, file), content, { mode: file.endsWith(".sh") ? 0o755 : 0o644 });
  }
  fs.writeFileSync(path.join(dir, ENV_FILE), bundleEnv(paths));
  return { droppedJobIds };
}
