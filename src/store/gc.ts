// Collecting a store: deleting the entries that no given plan references and no running work
// needs. Spared are the keys of the given plans; every key a live run's needs file names
// (needs.ts); a key whose lock is held (locks.ts: a run computing it); a key with work in
// `.tmp` (a task script computing it, or a forced rerun replacing it). The store is marked as
// being collected first, so a run that starts meanwhile waits before it reads the store.
// An entry goes by a rename into `.tmp` (under a name stale-work.ts removes should this
// process die), so it leaves the store at once and whole; the files are removed after.
// Only directories named like keys are entries: anything else in the store is left alone.

import fs from "node:fs";
import path from "node:path";
import { entryAt } from "./entries.js";
import { entryDir, tmpDir, workDir } from "./layout.js";
import { KeyLocks } from "./locks.js";
import { liveNeeds, markCollecting, type ActiveJobs } from "./needs.js";

const KEY_NAME = /^[0-9a-f]{16,128}$/;

export interface CollectedEntry {
  readonly key: string;
  /** The task that made it, from its meta.json, when readable. */
  readonly task?: string;
  readonly bytes: number;
}

export type Collected =
  | { readonly kind: "busy"; readonly who: string }
  | {
      readonly kind: "collected";
      readonly deleted: CollectedEntry[];
      /** Entries no given plan references, kept because running work needs them. */
      readonly spared: CollectedEntry[];
      readonly kept: number;
    };

export async function collectStore(storeDir: string, referenced: ReadonlySet<string>, options: { dryRun: boolean; activeJobs?: ActiveJobs }): Promise<Collected> {
  let names: string[];
  try {
    names = fs.readdirSync(storeDir);
  } catch {
    return { kind: "collected", deleted: [], spared: [], kept: 0 };
  }
  const mark = options.dryRun ? { release: () => {} } : markCollecting(storeDir);
  if ("busy" in mark) return { kind: "busy", who: mark.busy };
  const locks = options.dryRun ? undefined : new KeyLocks(storeDir, `gc-${process.pid}`);
  try {
    const needed = await liveNeeds(storeDir, options.activeJobs);
    const working = inProgress(storeDir);
    const deleted: CollectedEntry[] = [];
    const spared: CollectedEntry[] = [];
    let kept = 0;
    for (const key of names.sort()) {
      if (!KEY_NAME.test(key) || !isDir(entryDir(storeDir, key))) continue;
      if (referenced.has(key)) {
        kept++;
        continue;
      }
      const entry = { key, ...taskOf(storeDir, key), bytes: sizeOf(entryDir(storeDir, key)) };
      if (needed.has(key) || working.has(key)) {
        spared.push(entry);
        continue;
      }
      if (!locks) {
        deleted.push(entry);
        continue;
      }
      if (locks.acquire(key)) {
        spared.push(entry);
        continue;
      }
      try {
        const away = workDir(storeDir, key, 0);
        fs.renameSync(entryDir(storeDir, key), away);
        fs.rmSync(away, { recursive: true, force: true });
        deleted.push(entry);
      } catch {
        // Gone already, or replaced by a forced rerun right now: not ours to count.
      } finally {
        locks.release(key);
      }
    }
    return { kind: "collected", deleted, spared, kept };
  } finally {
    locks?.releaseAll();
    mark.release();
  }
}

/** Keys with work in `.tmp`: `KEY.…` names (layout.ts). */
function inProgress(storeDir: string): Set<string> {
  const keys = new Set<string>();
  try {
    for (const name of fs.readdirSync(tmpDir(storeDir))) {
      const dot = name.indexOf(".");
      if (dot > 0) keys.add(name.slice(0, dot));
    }
  } catch {
    // No `.tmp`: nothing in progress.
  }
  return keys;
}

function taskOf(storeDir: string, key: string): { task?: string } {
  const entry = entryAt(storeDir, key);
  return entry ? { task: entry.meta.task } : {};
}

function isDir(file: string): boolean {
  try {
    return fs.lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Bytes of the files under `file` (apparent sizes; a symlink counts as itself). */
export function sizeOf(file: string): number {
  let total = 0;
  const stack = [file];
  while (stack.length) {
    const f = stack.pop()!;
    let s: fs.Stats;
    try {
      s = fs.lstatSync(f);
    } catch {
      continue;
    }
    if (s.isDirectory()) {
      try {
        for (const name of fs.readdirSync(f)) stack.push(path.join(f, name));
      } catch {
        // Unreadable: counted as empty.
      }
    } else total += s.size;
  }
  return total;
}
