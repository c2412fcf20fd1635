// Store entries as `pipe why` reads them: each `<store>/<key>/meta.json` records the task id
// and everything its key was computed from (written by the task script, plan/script.ts).
// Finding a task's entries scans the store, reading only the head of each meta.json, where
// the task id comes first.

import fs from "node:fs";
import path from "node:path";
import { MAX_CONFIG_BYTES, readUserFile } from "../host.js";
import { z } from "zod";
import { KeyFileSchema, PlanValueSchema } from "../plan/plan.js";
import type { KeyInputs } from "./causes.js";
import { actionName } from "./causes.js";

export const MetaSchema = z.object({
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
  start: z.string().optional(),
  end: z.string().optional(),
});
export type Meta = z.infer<typeof MetaSchema>;

export interface StoreEntry {
  readonly key: string;
  readonly meta: Meta;
}

export function metaInputs(meta: Meta): KeyInputs {
  return {
    action: meta.action,
    actionName: actionName(meta.action),
    definition: meta.definition,
    definitionHash: meta.definitionHash,
    args: meta.args,
    files: meta.files,
    cache: meta.cache,
  };
}

/** The entry of one key, if it is in the store and its meta.json is readable. */
export function entryAt(storeDir: string, key: string): StoreEntry | undefined {
  const read = readUserFile(path.join(storeDir, key, "meta.json"), MAX_CONFIG_BYTES);
  if (!read.ok) return undefined;
  try {
    const parsed = MetaSchema.safeParse(JSON.parse(read.text));
    return parsed.success ? { key, meta: parsed.data } : undefined;
  } catch {
    return undefined;
  }
}

const HEAD = 8192;
const TASK_FIRST = /^\s*\{\s*"task"\s*:\s*("(?:[^"\\]|\\.)*")/;

/** Every entry of the task, the most recent (by end time, then start) first. */
export function entriesOf(storeDir: string, taskId: string): StoreEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(storeDir);
  } catch {
    return [];
  }
  const head = Buffer.alloc(HEAD);
  const entries: StoreEntry[] = [];
  for (const name of names.sort()) {
    if (name.startsWith(".")) continue;
    const file = path.join(storeDir, name, "meta.json");
    let text: string;
    try {
      // Non-blocking and checked once open: a FIFO in the store must not stall `pipe why`.
      const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        if (!fs.fstatSync(fd).isFile()) continue;
        text = head.toString("utf8", 0, fs.readSync(fd, head, 0, HEAD, 0));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      continue;
    }
    const m = TASK_FIRST.exec(text);
    if (m && JSON.parse(m[1]!) !== taskId) continue;
    const entry = entryAt(storeDir, name);
    if (entry && entry.meta.task === taskId) entries.push(entry);
  }
  const when = (e: StoreEntry) => e.meta.end ?? e.meta.start ?? "";
  return entries.sort((a, b) => (when(a) !== when(b) ? (when(a) < when(b) ? 1 : -1) : a.key < b.key ? -1 : 1));
}
