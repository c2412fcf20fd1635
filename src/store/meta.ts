// The record of a store entry, `STORE/<key>/meta.json`: one schema for every writer (the
// self-contained task script, plan/script.ts, and the local backend, commit.ts) and every
// reader (`pipe why`), and one builder of the record. It holds what the key was computed from,
// so that `pipe why` can compare a later plan against it, and the run that made the entry.

import { z } from "zod";
import { KeyFileSchema, PlanValueSchema, upstreamInputs, upstreamKeys, type Plan, type Task } from "../plan/plan.js";

/** The time format of meta.json: UTC, whole seconds (what bash's `printf '%(...)T'` writes). */
const Time = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

export const MetaSchema = z.strictObject({
  task: z.string(),
  key: z.string(),
  action: z.string(),
  definition: z.string(),
  definitionHash: z.string(),
  args: z.record(z.string(), PlanValueSchema),
  files: z.array(KeyFileSchema),
  /** Key of each upstream task, by id. */
  upstream: z.record(z.string(), z.string()),
  cache: z.boolean(),
  start: Time,
  end: Time,
  /** Only a task that succeeded is committed. */
  exitCode: z.literal(0),
  host: z.string(),
});
export type Meta = z.infer<typeof MetaSchema>;

/** What the run that made an entry adds to its record, filled in by the writer. */
export interface RunMeta {
  readonly start: string;
  readonly end: string;
  readonly host: string;
}

/** The record of a task's entry, its key's inputs first (the task id leads: entries.ts reads only the head to find a task). */
export function entryMeta(plan: Plan, task: Task, run: RunMeta): Meta {
  return { ...keyMeta(plan, task), start: run.start, end: run.end, exitCode: 0, host: run.host };
}

/** The part of the record that `pipe why` compares a later plan against: everything the key was computed from. */
function keyMeta(plan: Plan, task: Task) {
  const action = plan.actions[task.action]!;
  return {
    task: task.id,
    key: task.key,
    action: task.action,
    definition: action.definition,
    definitionHash: action.definitionHash,
    args: task.args,
    files: task.files,
    upstream: upstreamKeys(upstreamInputs(plan, task)),
    cache: task.cache,
  };
}

/** A time as meta.json records it. */
export function metaTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}
