// The plan: a versioned JSON document, the contract between the compiler and every backend
// (and `pipe diff`). A plan is a DAG of tasks, one per action call after sweeps are
// expanded, each with a cache key computed before anything runs. Identical input gives a
// byte-identical plan: nothing in it depends on the clock, the machine or a temp path.

import { z } from "zod";
import { show } from "../check/types.js";
import { parseType, projectType } from "../store/structured.js";
import { refsIn, taskFinder } from "./refs.js";

import { PLAN_FORMAT } from "./plan-format.js";

export { PLAN_FORMAT } from "./plan-format.js";

/**
 * A value as the plan records it. Scalars are JSON scalars; the rest are tagged objects:
 * `{"$path": "data/x.csv"}` (project-relative input), `{"$ref": "main/d", "output": "data"}`
 * (an upstream task's output; with `"fields": ["acc"]`, a field inside a structured one),
 * `{"$record": {...}}`.
 */
export type PlanValue =
  | null
  | boolean
  | number
  | string
  | PlanValue[]
  | { $path: string }
  | { $ref: string; output: string; fields?: string[]; item?: string; content?: string }
  | { $record: { [field: string]: PlanValue } };

export const PlanValueSchema: z.ZodType<PlanValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(PlanValueSchema),
    z.object({ $path: z.string() }).strict(),
    z.object({ $ref: z.string(), output: z.string(), fields: z.array(z.string()).optional(), item: z.string().optional(), content: z.string().optional() }).strict(),
    z.object({ $record: z.record(z.string(), PlanValueSchema) }).strict(),
  ]),
);

/** An action's output; `file`, the name it is stored as, when it declares one (store/layout.ts, `storedAs`). */
const OutputSchema = z.object({ name: z.string(), type: z.string(), file: z.string().optional() });

export const ResourcesSchema = z.object({
  cpus: z.number().int().positive().optional(),
  gpus: z.number().int().nonnegative().optional(),
  /** Mebibytes. */
  mem: z.number().int().positive().optional(),
  /** Seconds. */
  time: z.number().int().positive().optional(),
  /** `mem` (MiB) and `time` (s) of the attempts after the first, when a list gives them one by one. */
  memRetries: z.array(z.number().int().positive()).optional(),
  timeRetries: z.array(z.number().int().positive()).optional(),
  /** What each retry past those lists multiplies `mem` and `time` by. */
  grow: z.object({ mem: z.number().min(1).optional(), time: z.number().min(1).optional() }).optional(),
  partition: z.string().optional(),
  account: z.string().optional(),
  qos: z.string().optional(),
  extra: z.array(z.string()).optional(),
});
export type PlanResources = z.infer<typeof ResourcesSchema>;

export const ActionDefSchema = z.object({
  name: z.string(),
  kind: z.enum(["shell", "ts", "py"]),
  /** The normalized definition (parameters, outputs, command, env) that the key covers. */
  definition: z.string(),
  definitionHash: z.string(),
  outputs: z.array(OutputSchema),
  env: z.record(z.string(), z.string()),
  /** A TypeScript action's implementation: its module (project-relative) and exported function. */
  ts: z.object({ module: z.string(), export: z.string() }).optional(),
  /**
   * A Python action's implementation: its module (project-relative, or `std/...` in the pipe
   * installation), its function, and the interpreter the config names (absent: the
   * project's `.venv/bin/python` when there is one, else `python3`).
   */
  py: z.object({ module: z.string(), function: z.string(), python: z.string().optional() }).optional(),
});
export type ActionDef = z.infer<typeof ActionDefSchema>;

/** An upstream output a task reads at run time, bound to a shell variable of its script. */
export interface TaskInput {
  readonly var: string;
  readonly task: string;
  readonly key: string;
  readonly output: string;
  /** The value's type: the output's, or the field's for a projection. */
  readonly type: string;
  /** Fields into a structured output (values.ts), for a projection. */
  readonly fields?: readonly string[];
  /** The type of the output itself, when it is not `type` (a projection). */
  readonly outputType?: string;
  /** The file the output is stored as, when it is not `output` (store/layout.ts, `storedAs`). */
  readonly file?: string;
}

/** A file whose content is part of the key: a `uses` file, an external input, TypeScript or Python source. */
export const KeyFileSchema = z.object({ role: z.enum(["uses", "input", "ts", "py"]), path: z.string(), hash: z.string() });
export type KeyFile = z.infer<typeof KeyFileSchema>;

export const TaskSchema = z.object({
  id: z.string(),
  key: z.string(),
  action: z.string(),
  /** Tasks of one sweep share a group (the id without its `[...]` labels). */
  group: z.string(),
  deps: z.array(z.string()),
  args: z.record(z.string(), PlanValueSchema),
  /** The rendered command: literal values quoted, upstream values as `"$in_N"` (see `upstreamInputs`), outputs as `"$out/NAME"`. */
  command: z.string(),
  files: z.array(KeyFileSchema),
  resources: ResourcesSchema,
  retries: z.number().int().nonnegative(),
  cache: z.boolean(),
});
export type Task = z.infer<typeof TaskSchema>;

/**
 * A part of the plan known only at run time: a dynamic loop (`for x in t.items`) whose list
 * is not in the store yet, or a call that receives what such a loop makes. `over` names the
 * runtime lists a loop runs over (`main/s`, output `parts`); `after` the pending loops it
 * waits on. Planned fully, keys and all, once its lists are in the store (plan/dynamic.ts).
 */
export const PendingSchema = z.object({
  id: z.string(),
  kind: z.enum(["loop", "call"]),
  over: z.array(z.object({ task: z.string(), output: z.string() })),
  after: z.array(z.string()),
});
export type Pending = z.infer<typeof PendingSchema>;

export const PlanSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  entry: z.string(),
  file: z.string(),
  params: z.record(z.string(), PlanValueSchema),
  actions: z.record(z.string(), ActionDefSchema),
  /** In dependency order: the order of expansion (calls in source order, sweeps in iteration order). */
  tasks: z.array(TaskSchema),
  outputs: z.array(z.object({ name: z.string(), type: z.string(), value: PlanValueSchema, pending: z.array(z.string()).optional() })),
  /** The dynamic parts not planned yet, in expansion order; absent when there are none. */
  pending: z.array(PendingSchema).optional(),
});
export type Plan = z.infer<typeof PlanSchema>;

export function planToJson(plan: Plan): string {
  return JSON.stringify(plan, null, 1) + "\n";
}

// In a module of its own, which loads no schema: the outputs of a kept plan are read without zod.
export { refsIn, taskFinder } from "./refs.js";

/** Each plan's tasks' inputs, derived once: the task script, its store record and a bundle's table all ask, and a fan-in has 100,000. */
const inputsOf = new WeakMap<Plan, WeakMap<Task, readonly TaskInput[]>>();

/**
 * The upstream outputs a task reads, numbered `in_0`, `in_1`, … in the order its arguments
 * name them (parameters in order, record fields by name): the variables of its command.
 * Derived from the arguments rather than stored, which keeps a plan with large fan-ins small.
 * Shared by every caller: not to be changed.
 */
export function upstreamInputs(plan: Plan, task: Task): readonly TaskInput[] {
  let memo = inputsOf.get(plan);
  if (!memo) inputsOf.set(plan, (memo = new WeakMap()));
  let inputs = memo.get(task);
  if (!inputs) {
    inputs = derivedInputs(plan, task);
    // Most tasks of a sweep read nothing, which is found again sooner than remembered.
    if (inputs !== NO_INPUTS) memo.set(task, inputs);
  }
  return inputs;
}

const NO_INPUTS: readonly TaskInput[] = Object.freeze([]);

/** Each upstream task's key, by id: a run record's `upstream` (store/meta.ts), in `byTaskAndKey` order. */
export function upstreamKeys(inputs: readonly TaskInput[]): Record<string, string> {
  if (inputs.length === 1) return { [inputs[0]!.task]: inputs[0]!.key };
  return Object.fromEntries([...inputs].sort(byTaskAndKey).map((i) => [i.task, i.key]));
}

/** `upstreamKeys` as JSON; a task that reads one upstream task (each of a sweep's second steps) makes no object for it. */
export function upstreamKeysJson(inputs: readonly TaskInput[]): string {
  if (inputs.length === 1) return `{${JSON.stringify(inputs[0]!.task)}:${JSON.stringify(inputs[0]!.key)}}`;
  return JSON.stringify(upstreamKeys(inputs));
}

/**
 * Each upstream task once, as its key and id, in the order of their `${key},${id}` text (as
 * `sort()` orders the pairs): the store checks of a task script, local and in a job's body. A
 * task that reads one upstream task (each of a sweep's second steps) makes no map for it.
 */
export function upstreamByKey(inputs: readonly TaskInput[]): (readonly [key: string, task: string])[] {
  if (inputs.length === 1) return [[inputs[0]!.key, inputs[0]!.task]];
  return [...new Map(inputs.map((i) => [i.key, i.task] as const))].sort();
}

/** The order of `${task},${key}` strings (as `sort()` orders the pairs of a record's `upstream`), without making them. */
export function byTaskAndKey(a: TaskInput, b: TaskInput): number {
  const x = a.task;
  const y = b.task;
  if (x === y) return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  // Where one id starts the other, the comma after the shorter meets a character of the longer.
  if (x.length < y.length ? y.startsWith(x) : x.length > y.length && x.startsWith(y)) {
    const p = `${x},${a.key}`;
    const q = `${y},${b.key}`;
    return p < q ? -1 : p > q ? 1 : 0;
  }
  return x < y ? -1 : 1;
}

/** What a task's references read of each upstream task: kept by the task, not by a string made per reference (a fan-in makes 100,000). */
type Seen = Map<Task, string | Set<string>>;

/** Whether `what` (an output, an element of one, or fields of one) of `upstream` is read here for the first time; notes it. */
function firstRead(seen: Seen, upstream: Task, what: string): boolean {
  const had = seen.get(upstream);
  if (had === undefined) seen.set(upstream, what);
  else if (typeof had === "string") {
    if (had === what) return false;
    seen.set(upstream, new Set([had, what]));
  } else {
    if (had.has(what)) return false;
    had.add(what);
  }
  return true;
}

function derivedInputs(plan: Plan, task: Task): readonly TaskInput[] {
  const values = Object.values(task.args);
  // A sweep's task of numbers and strings reads nothing: no list is made for it.
  if (!values.some((v) => v !== null && typeof v === "object")) return NO_INPUTS;
  const find = taskFinder(plan);
  const inputs: TaskInput[] = [];
  const seen: Seen = new Map();
  for (const value of values) {
    for (const ref of refsIn(value)) {
      const upstream = find(ref.$ref)!;
      if (ref.item !== undefined) {
        // An element of a stored `List[File]` is the entry of that name in the output's directory.
        const output = `${ref.output}/${ref.item}`;
        if (!firstRead(seen, upstream, output)) continue;
        const declared = plan.actions[upstream.action]!.outputs.find((o) => o.name === ref.output)!.type;
        const type = declared.replace(/^List\[(.*)\]$/, "$1");
        inputs.push({ var: `in_${inputs.length}`, task: ref.$ref, key: upstream.key, output, type });
        continue;
      }
      if (!firstRead(seen, upstream, ref.fields ? `${ref.output}\0${ref.fields.join(".")}` : ref.output)) continue;
      const output = plan.actions[upstream.action]!.outputs.find((o) => o.name === ref.output)!;
      const type = output.type;
      const file = output.file !== undefined ? { file: output.file } : {};
      if (!ref.fields) {
        inputs.push({ var: `in_${inputs.length}`, task: ref.$ref, key: upstream.key, output: ref.output, type, ...file });
        continue;
      }
      const fieldType = show(projectType(parseType(type), ref.fields));
      inputs.push({ var: `in_${inputs.length}`, task: ref.$ref, key: upstream.key, output: ref.output, type: fieldType, fields: ref.fields, outputType: type, ...file });
    }
  }
  return inputs.length ? inputs : NO_INPUTS;
}
