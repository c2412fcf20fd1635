// Reading the store: whether a key is in it, and its entries' records. A key is in the store
// exactly when its `meta.json` is (layout.ts), which is written last and renamed into place
// with the entry. Finding a task's entries (`pipe why`) scans the store, reading only the head
// of each meta.json, where the task id comes first (meta.ts).

import fs from "node:fs";
import { MAX_CONFIG_BYTES, readUserFile } from "../host.js";
import { metaFile } from "./layout.js";
import { MetaSchema, type Meta } from "./meta.js";

export interface StoreEntry {
  readonly key: string;
  readonly meta: Meta;
}

/** The entry of one key, if it is in the store and its meta.json is readable and valid. */
export function entryAt(storeDir: string, key: string): StoreEntry | undefined {
  const read = readUserFile(metaFile(storeDir, key), MAX_CONFIG_BYTES);
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

/** Every entry of the task, the most recent (by end time) first. */
export function entriesOf(storeDir: string, taskId: string): StoreEntry[] {
  return entriesOfTasks(storeDir, new Set([taskId])).get(taskId) ?? [];
}

/**
 * The entries of each of `taskIds`, the most recent (by end time) first, in one scan of the
 * store (`pipe plan` asks for the few tasks where a rerun begins).
 */
export function entriesOfTasks(storeDir: string, taskIds: ReadonlySet<string>): Map<string, StoreEntry[]> {
  const found = new Map<string, StoreEntry[]>();
  if (taskIds.size === 0) return found;
  let names: string[];
  try {
    names = fs.readdirSync(storeDir);
  } catch {
    return found;
  }
  const head = Buffer.alloc(HEAD);
  for (const name of names.sort()) {
    // `.tmp`, `.locks`, `.verified`: not entries.
    if (name.startsWith(".")) continue;
    const file = metaFile(storeDir, name);
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
    if (m && !taskIds.has(JSON.parse(m[1]!) as string)) continue;
    const entry = entryAt(storeDir, name);
    if (!entry || !taskIds.has(entry.meta.task)) continue;
    (found.get(entry.meta.task) ?? found.set(entry.meta.task, []).get(entry.meta.task)!).push(entry);
  }
  for (const entries of found.values()) entries.sort((a, b) => (a.meta.end !== b.meta.end ? (a.meta.end < b.meta.end ? 1 : -1) : a.key < b.key ? -1 : 1));
  return found;
}

/** Every entry of an action, under whatever task id, the most recent first (`pipe why` of a task whose id moved). */
export function entriesOfAction(storeDir: string, action: string): StoreEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(storeDir);
  } catch {
    return [];
  }
  const entries: StoreEntry[] = [];
  for (const name of names.sort()) {
    if (name.startsWith(".")) continue;
    const entry = entryAt(storeDir, name);
    if (entry && entry.meta.action === action) entries.push(entry);
  }
  return entries.sort((a, b) => (a.meta.end !== b.meta.end ? (a.meta.end < b.meta.end ? 1 : -1) : a.key < b.key ? -1 : 1));
}
