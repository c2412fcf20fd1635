// `bundle.json`, the index of a Slurm bundle: its jobs (one per task or one job array per
// group of like tasks) and the dependencies between jobs. Each job's tasks, in array-index
// order, are the rows of its table `jobs/NAME.tasks` (task-table.ts), which bundle.json names
// by count and digest rather than repeating them (a bundle written before, format 1, lists
// them itself). `pipe submit/status/logs/cancel DIR` read it back (validated with zod),
// with the tables, `bundle.env` (the machine's paths) and `jobs.tsv` (what submit.sh submitted).

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import zlib from "node:zlib";
import { fromPrintable } from "../../printable.js";
import { PlanSchema, type Plan } from "../../plan/plan.js";
import { ByteWriter } from "./bytes.js";
import { compactChunks } from "../../json-chunks.js";
import { keptPlanJson } from "../../plan/plan-cache.js";
import { describeProblem, MAX_CONFIG_BYTES, MAX_PLAN_BYTES, readUserFile } from "../../host.js";

export const BUNDLE_FORMAT = "pipe-slurm-bundle/2";
/** Bundles whose bundle.json lists every job's tasks. */
const LISTING_FORMAT = "pipe-slurm-bundle/1";
export const BUNDLE_FILE = "bundle.json";
export const ENV_FILE = "bundle.env";
export const RECORDS_FILE = "jobs.tsv";
export const INPUTS_FILE = "inputs.tsv";
/** The compiled plan, gzipped: at 100,000 tasks it is most of a bundle (33 MB as JSON, 4 MB so). */
export const PLAN_FILE = "plan.json.gz";

export const DependencyTypeSchema = z.enum(["afterok", "aftercorr", "afternotok"]);
export type DependencyType = z.infer<typeof DependencyTypeSchema>;

const BundleTaskSchema = z.object({
  id: z.string(),
  key: z.string(),
  /** The task script of a bundle written before the tasks of a job shared one (`tasks/N.sh`). */
  script: z.string().optional(),
  /** Runs even when its key is in the store (`cache = false`, or downstream of such a task). */
  force: z.boolean(),
});
export type BundleTask = z.infer<typeof BundleTaskSchema>;

export const BundleJobSchema = z.object({
  name: z.string(),
  script: z.string(),
  /** A job array: task i runs as array index i. */
  array: z.boolean(),
  group: z.string(),
  action: z.string(),
  options: z.array(z.string()),
  after: z.array(z.object({ job: z.string(), type: DependencyTypeSchema })),
  tasks: z.array(BundleTaskSchema).min(1),
  /** In bundle.json: the number of rows of the job's table, and a digest of them (the tasks are not repeated there). */
  count: z.number().int().min(1).optional(),
  digest: z.string().optional(),
  /**
   * A retry with a bigger allocation, submitted up front: attempt 2, 3, … of the job named
   * `retryOf`, waiting (`afternotok`) for every attempt before it to fail.
   */
  attempt: z.number().int().min(2).optional(),
  retryOf: z.string().optional(),
  /**
   * On a first attempt that has such retries: the job that succeeds as soon as one attempt
   * does (`afterok:A1?afterok:A2…`), which the dependents wait on.
   */
  join: z.object({ name: z.string(), script: z.string(), attempts: z.array(z.string()) }).optional(),
});
export type BundleJob = z.infer<typeof BundleJobSchema>;

export const BundleSchema = z.object({
  format: z.string(),
  entry: z.string(),
  file: z.string(),
  /** In submission order: every job after the jobs it depends on. */
  jobs: z.array(BundleJobSchema),
  /** Expanding jobs of dynamic loops (expand.ts), submitted after the jobs they wait on. */
  expands: z.array(z.object({ name: z.string(), loop: z.string(), after: z.array(z.string()) })).optional(),
});
export type Bundle = z.infer<typeof BundleSchema>;

/** The table of a job's tasks: its own, or for a retry the first attempt's (the same tasks). */
export function tableOf(job: Pick<BundleJob, "name" | "retryOf">): string {
  return `jobs/${job.retryOf ?? job.name}.tasks`;
}

/** bundle.json: each job with the count and digest of its table (`tables`, by file) instead of its tasks. */
export function bundleToJson(bundle: Bundle, tables: ReadonlyMap<string, string>): string {
  const jobs = bundle.jobs.map(({ tasks, ...job }) => {
    const digest = crypto.createHash("sha256").update(tables.get(tableOf(job)) ?? "").digest("hex").slice(0, 32);
    return { ...job, count: tasks.length, digest };
  });
  return JSON.stringify({ ...bundle, jobs }, null, 1) + "\n";
}

const DiskJobSchema = BundleJobSchema.extend({ tasks: BundleJobSchema.shape.tasks.optional() });
const DiskBundleSchema = BundleSchema.extend({ jobs: z.array(DiskJobSchema) });

/** The tasks of a table, in row order: the index, key, forced and printed id of each row. */
function readTable(file: string): BundleTask[] | string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    return `cannot read ${file}: ${(error as Error).message}`;
  }
  const tasks: BundleTask[] = [];
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const t1 = text.indexOf("\t", at);
    const t2 = text.indexOf("\t", t1 + 1);
    const t3 = text.indexOf("\t", t2 + 1);
    let t4 = text.indexOf("\t", t3 + 1);
    if (t4 < 0 || t4 > end) t4 = end;
    if (t1 < 0 || t3 < 0 || t3 > end) return `${file}: line ${tasks.length + 1} has not the columns index, key, forced, task`;
    tasks.push({ id: fromPrintable(text.slice(t3 + 1, t4)), key: text.slice(t1 + 1, t2), force: text.slice(t2 + 1, t3) === "1" });
    at = end + 1;
  }
  return tasks;
}

export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** What the bundle commands return when `bundle.json` or `bundle.env` cannot be read; `error` says why. */
export interface UnreadableBundle {
  readonly kind: "unreadable";
  readonly error: string;
}

export function readBundle(dir: string): Read<Bundle> {
  const file = path.join(dir, BUNDLE_FILE);
  const read = readUserFile(file, MAX_PLAN_BYTES);
  if (!read.ok) {
    if (read.problem === "missing") return { ok: false, error: `${dir} is not a pipe bundle (no ${BUNDLE_FILE}); write one with \`pipe emit slurm FILE -o ${dir}\`` };
    return { ok: false, error: describeProblem(file, read) };
  }
  const text = read.text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `${file}: ${(error as Error).message}` };
  }
  const parsed = DiskBundleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}` };
  }
  const disk = parsed.data;
  if (disk.format !== BUNDLE_FORMAT && disk.format !== LISTING_FORMAT) return { ok: false, error: `${file}: format: not a bundle this pipe reads (${disk.format}; it reads ${BUNDLE_FORMAT}): emit it again` };
  const tables = new Map<string, BundleTask[]>();
  const jobs: BundleJob[] = [];
  for (const job of disk.jobs) {
    if (job.tasks) {
      jobs.push({ ...job, tasks: job.tasks });
      continue;
    }
    const table = tableOf(job);
    let tasks = tables.get(table);
    if (!tasks) {
      const read = readTable(path.join(dir, table));
      if (typeof read === "string") return { ok: false, error: read };
      if (read.length === 0) return { ok: false, error: `${path.join(dir, table)} lists no task` };
      tables.set(table, (tasks = read));
    }
    if (job.count !== undefined && tasks.length !== job.count) return { ok: false, error: `${path.join(dir, table)} lists ${tasks.length} tasks where ${BUNDLE_FILE} says ${job.count}: emit the bundle again` };
    const { count: _count, digest: _digest, ...own } = job;
    jobs.push({ ...own, tasks });
  }
  return { ok: true, value: { ...disk, jobs } };
}

/**
 * The variables of `bundle.env`: `NAME=value` lines, values bare or quoted the way the
 * bundle writes them (single quotes, `'"'"'` for a quote) or plainly double-quoted.
 */
export function readBundleEnv(dir: string): Read<Record<string, string>> {
  const read = readUserFile(path.join(dir, ENV_FILE), MAX_CONFIG_BYTES);
  if (!read.ok) return { ok: false, error: describeProblem(path.join(dir, ENV_FILE), read) };
  const text = read.text;
  const vars: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = unquote(m[2]!.trim());
  }
  return { ok: true, value: vars };
}

function unquote(value: string): string {
  let out = "";
  for (const [, single, double, bare] of value.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|([^'"\s]+)/g)) {
    out += single ?? double?.replace(/\\(.)/g, "$1") ?? bare ?? "";
  }
  return out;
}

/** The store directory a bundle's jobs write to. */
export function bundleStore(dir: string): Read<string> {
  const env = readBundleEnv(dir);
  if (!env.ok) return env;
  const store = env.value["PIPE_STORE"];
  return store ? { ok: true, value: path.resolve(dir, store) } : { ok: false, error: `${path.join(dir, ENV_FILE)} does not set PIPE_STORE` };
}

/** The text in one gzip member of `plan.json.gz`, at most. */
const MEMBER_BYTES = 1 << 20;

/** Tasks of `plan.json.gz` made text by one JSON.stringify: some 35 KB, a string the young generation holds. */
const TASKS_AT_ONCE = 64;

/**
 * `plan.json.gz` as written by emit: the plan's JSON (as JSON.stringify writes it), a gzip
 * member per MiB of it (gunzip and zcat read the members as one stream), so that the whole
 * text is never one string. A plan the plan cache holds is copied from its file, which holds
 * that JSON already (a third of a second for 100,000 tasks); another goes through one buffer
 * `TASKS_AT_ONCE` tasks at a time (bytes.ts): pieces of a thousand tasks were strings too large
 * for V8's young generation, which only a full collection frees, and emitting 100,000 tasks
 * kept 100 MB more for them; one JSON.stringify per task took 1.6 times as long as one per
 * 64. Members are cut at each MiB of the text, and zlib's gzip has no time in its header: the
 * same plan gives the same bytes, from the cache or not, however it was cut into pieces.
 */
export function planFile(plan: Plan): Buffer {
  const gzipped = () => new ByteWriter(MEMBER_BYTES, (text) => zlib.gzipSync(text, { level: 1 }));
  const kept = keptPlanJson(plan);
  if (kept) {
    const out = gzipped();
    try {
      for (const bytes of kept) out.writeBytes(bytes);
      return out.bytes();
    } catch {
      // The cache file could not be read again: the plan is written out as if it had none.
    }
  }
  const out = gzipped();
  for (const piece of compactChunks(plan, "tasks", TASKS_AT_ONCE)) out.write(piece);
  return out.bytes();
}

/** The plan of a bundle (`plan.json.gz`, or `plan.json` in a bundle of format 1), or why it cannot be read. */
export function readBundlePlan(dir: string): Read<Plan> {
  const gz = path.join(dir, PLAN_FILE);
  const file = fs.existsSync(gz) ? gz : path.join(dir, "plan.json");
  try {
    const bytes = fs.readFileSync(file);
    const text = file === gz ? zlib.gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
    return { ok: true, value: PlanSchema.parse(JSON.parse(text)) };
  } catch (error) {
    return { ok: false, error: `cannot read ${file}: ${(error as Error).message}` };
  }
}
