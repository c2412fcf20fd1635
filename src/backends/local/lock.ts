// Per-key locks, so that two `pipe run` on one store never run the same key at once.
// A lock is a file created with O_EXCL holding its owner's pid and the pid of the launcher
// that runs the key's task (launcher.ts). It is taken over only when both are gone: a run
// killed with SIGKILL leaves its task running, and the launcher waits for that task.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly run: string;
  /** The launcher that runs the key's task: it lives as long as the task does. */
  readonly launcher?: number;
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
  acquire(key: string, launcher?: number): LockOwner | undefined {
    const file = path.join(this.dir, key);
    const me: LockOwner = { pid: process.pid, host: this.host, run: this.run, ...(launcher ? { launcher } : {}) };
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
      if (owner && (owner.host !== me.host || alive(owner.pid) || (owner.launcher !== undefined && alive(owner.launcher)))) return owner;
      // The owner died without releasing it: take it over.
      fs.rmSync(file, { force: true });
    }
    return readOwner(file) ?? { pid: 0, host: "?", run: "?" };
  }

  holds(key: string): boolean {
    return this.held.has(key);
  }

  /** Lets a lock go; the file is removed asynchronously (a sweep releases one per task). */
  release(key: string): Promise<void> {
    if (!this.held.delete(key)) return Promise.resolve();
    return fs.promises.rm(path.join(this.dir, key), { force: true });
  }

  /** Lets every held lock go, and removes those left by runs (and tasks) that are gone. */
  releaseAll(): void {
    for (const key of this.held) fs.rmSync(path.join(this.dir, key), { force: true });
    this.held.clear();
    for (const name of fs.readdirSync(this.dir)) {
      const owner = readOwner(path.join(this.dir, name));
      if (owner && owner.host === this.host && !alive(owner.pid) && !(owner.launcher !== undefined && alive(owner.launcher))) {
        fs.rmSync(path.join(this.dir, name), { force: true });
      }
    }
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

/** Whether a process runs; a zombie (dead, not yet reaped: some containers' init never reaps) does not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return true; // no /proc: the signal said it exists
  }
}
