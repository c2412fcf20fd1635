// `bundle.json`, the index of a Slurm bundle: its jobs (one per task or one job array per
// group of like tasks), each job's tasks in array-index order, and the dependencies between
// jobs. `pipe submit/status/logs/cancel DIR` read it back (validated with zod) together with
// `bundle.env` (the machine's paths) and `jobs.tsv` (what submit.sh submitted).

import path from "node:path";
import { z } from "zod";
import { describeProblem, MAX_CONFIG_BYTES, MAX_PLAN_BYTES, readUserFile } from "../../host.js";

export const BUNDLE_FORMAT = "pipe-slurm-bundle/1";
export const BUNDLE_FILE = "bundle.json";
export const ENV_FILE = "bundle.env";
export const RECORDS_FILE = "jobs.tsv";
export const INPUTS_FILE = "inputs.tsv";

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
  format: z.literal(BUNDLE_FORMAT),
  entry: z.string(),
  file: z.string(),
  /** In submission order: every job after the jobs it depends on. */
  jobs: z.array(BundleJobSchema),
  /** Expanding jobs of dynamic loops (expand.ts), submitted after the jobs they wait on. */
  expands: z.array(z.object({ name: z.string(), loop: z.string(), after: z.array(z.string()) })).optional(),
});
export type Bundle = z.infer<typeof BundleSchema>;

export function bundleToJson(bundle: Bundle): string {
  return JSON.stringify(bundle, null, 1) + "\n";
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
  const parsed = BundleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}` };
  }
  return { ok: true, value: parsed.data };
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
