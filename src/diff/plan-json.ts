// Reading a plan document given to `pipe diff`: the output of `pipe plan --plan-only`, or of
// `pipe plan --json` (whose `plan` field is the document).
//
// Validation is by hand for the fields the diff reads, in one pass, with the plan's zod
// schema only for a document that fails (for its precise message): zod takes about 1.5 s
// on a 100,000-task plan, most of the 2 s that `pipe diff` of two such plans may take.
// Fields the diff does not read are not checked. The schema (and zod) is loaded only then.

import fs from "node:fs";
import { describeProblem, kindOfStat, MAX_PLAN_BYTES, type ReadProblem } from "../host.js";
import type { Plan } from "../plan/plan.js";
import { PLAN_FORMAT } from "../plan/plan-format.js";
import { parsePlanInPieces } from "./plan-pieces.js";

export type ReadPlan = { readonly plan: Plan } | { readonly error: string };

export async function readPlanJson(text: string): Promise<ReadPlan> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  return planOf(data);
}

async function planOf(document: unknown): Promise<ReadPlan> {
  let data = document;
  if (isObject(data) && !("format" in data) && "plan" in data) data = data["plan"];
  if (fitsDiff(data)) return { plan: data };
  const { PlanSchema } = await import("../plan/plan.js");
  const parsed = PlanSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `not a plan (${issue.path.length ? `at ${issue.path.join(".")}: ` : ""}${issue.message})` };
  }
  return { plan: parsed.data };
}

/**
 * Reads a plan file, checked as `readUserBytes` checks it (a regular file, within the size
 * limit). A 500,000-task plan is some 220 MB: it is parsed in pieces as it is read when it
 * has the layout `pipe plan` writes, and read straight into one string otherwise (not into
 * a buffer of its bytes beside its text).
 */
export async function readPlanFile(file: string): Promise<ReadPlan> {
  let fd: number | undefined;
  let text: string;
  try {
    const refused = refusal(fs.statSync(file));
    if (refused) return { error: describeProblem("it", refused) };
    // O_NONBLOCK: a FIFO put in the file's place since the stat must not block the open; the fstat refuses it.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const changed = refusal(fs.fstatSync(fd));
    if (changed) return { error: describeProblem("it", changed) };
    // As written by `pipe plan`, in pieces (plan-pieces.ts); else whole.
    const document = parsePlanInPieces(fd);
    if (document !== undefined) return await planOf(document);
    text = fs.readFileSync(fd, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { error: describeProblem("it", { problem: "missing" }) };
    return { error: describeProblem("it", { problem: "unreadable", reason: code === "EACCES" ? "permission denied" : (error as Error).message }) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return readPlanJson(text);
}

function refusal(stat: fs.Stats): ReadProblem | undefined {
  const kind = kindOfStat(stat);
  if (kind !== "file") return { problem: "not a file", kind: kind ?? "socket" };
  if (stat.size > MAX_PLAN_BYTES) return { problem: "too large", size: stat.size, limit: MAX_PLAN_BYTES };
  return undefined;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isString = (v: unknown): v is string => typeof v === "string";
const isOptionalNumber = (v: unknown) => v === undefined || typeof v === "number";
const ROLES = new Set(["uses", "input", "ts", "py"]);

// Loops rather than `every` and `Object.values`: this runs for each of 200,000 tasks.
function fitsDiff(d: unknown): d is Plan {
  if (!isObject(d) || d["format"] !== PLAN_FORMAT || !isObject(d["actions"]) || !Array.isArray(d["tasks"])) return false;
  const actions = d["actions"];
  for (const k in actions) {
    const a = actions[k];
    if (!isObject(a) || !isString(a["name"]) || !isString(a["definition"]) || !isString(a["definitionHash"])) return false;
  }
  const tasks = d["tasks"] as unknown[];
  for (let i = 0; i < tasks.length; i++) if (!fitsTask(tasks[i])) return false;
  return true;
}

function fitsTask(t: unknown): boolean {
  if (!isObject(t) || typeof t["id"] !== "string" || typeof t["key"] !== "string" || typeof t["action"] !== "string" || typeof t["group"] !== "string" || typeof t["cache"] !== "boolean") return false;
  const { deps, args, files, resources } = t;
  if (!Array.isArray(deps)) return false;
  for (let i = 0; i < deps.length; i++) if (typeof deps[i] !== "string") return false;
  if (!isObject(args)) return false;
  for (const k in args) if (!isPlanValue(args[k])) return false;
  if (!Array.isArray(files)) return false;
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as unknown;
    if (!isObject(f) || !ROLES.has(f["role"] as string) || typeof f["path"] !== "string" || typeof f["hash"] !== "string") return false;
  }
  return isObject(resources) && isOptionalNumber(resources["cpus"]) && isOptionalNumber(resources["gpus"]) && isOptionalNumber(resources["time"]);
}

function isPlanValue(v: unknown): boolean {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isPlanValue(v[i])) return false;
    return true;
  }
  if (!isObject(v)) return false;
  let keys = 0;
  for (const _ in v) keys++;
  if (isString(v["$ref"]) && isString(v["output"])) {
    return keys === 2 || (keys === 3 && Array.isArray(v["fields"]) && v["fields"].every(isString));
  }
  if (keys !== 1) return false;
  if ("$path" in v) return isString(v["$path"]);
  const record = v["$record"];
  if (!isObject(record)) return false;
  for (const k in record) if (!isPlanValue(record[k])) return false;
  return true;
}
