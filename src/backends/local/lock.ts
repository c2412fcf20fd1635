// Per-key locks, so that two `pipe run` on one store never run the same key at once.
// A lock is a file created with O_EXCL holding its owner's pid and, once it runs, the process
// group of the task. A lock is taken over only when both are gone: a run killed with SIGKILL
// leaves its tasks running (each in its own process group), and they may still commit.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly run: string;
  /** The process group of the task that computes the key, once it runs. */
  readonly pgid?: number;
}

export class KeyLocks {
  private readonly dir: string;
  private readonly held = new Set<string>();
  private readonly host = os.hostname();

  constructor(storeDir: string, private readonly run: string) {
    this.dir = path.join(storeDir, ".locks");
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** Takes the lock of `key`; returns the owner that holds it when it cannot. */
  acquire(key: string): LockOwner | undefined {
    const file = path.join(this.dir, key);
    const me: LockOwner = { pid: process.pid, host: this.host, run: this.run };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(me), { flag: "wx" });
        this.held.add(key);
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const owner = readOwner(file);
      // An unreadable lock is one being written right now, unless it has been so for long.
      if (!owner && !olderThan(file, UNREADABLE_GRACE_MS)) return { pid: 0, host: "?", run: "?" };
      if (owner && (owner.host !== me.host || alive(owner.pid) || (owner.pgid !== undefined && alive(-owner.pgid)))) return owner;
      // The owner died without releasing it: take it over.
      fs.rmSync(file, { force: true });
    }
    return readOwner(file) ?? { pid: 0, host: "?", run: "?" };
  }

  /** Records in a held lock the process group of the task computing its key. */
  noteTask(key: string, pgid: number): void {
    if (!this.held.has(key)) return;
    // Rewritten in place, not renamed over: a reader that sees it half-written takes it as
    // held (see acquire), and the directory is left alone (a sweep writes one per task).
    fs.writeFileSync(path.join(this.dir, key), JSON.stringify({ pid: process.pid, host: this.host, run: this.run, pgid } satisfies LockOwner));
  }

  release(key: string): void {
    if (!this.held.delete(key)) return;
    fs.rmSync(path.join(this.dir, key), { force: true });
  }

  releaseAll(): void {
    for (const key of [...this.held]) this.release(key);
  }
}

const UNREADABLE_GRACE_MS = 10_000;

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return true;
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
