// Per-key locks, so that two `pipe run` on one store never run the same key at once.
// A run writes one owner file, `STORE/.locks/run-<id>.owner` (layout.ts) (its pid, host, run id and the pids
// of its launchers), and takes the lock of a key by hard-linking that file as `.locks/<key>`:
// atomic, it fails while the key is held, and it creates no inode. (A sweep takes one lock
// per task; on ext4, creating and deleting a file per task made every later file creation
// of the run slower.) A lock is taken over only when its run and all the run's launchers
// are gone: a run killed with SIGKILL leaves its tasks running, and each launcher lives
// until its task has ended.

import fs from "node:fs";
import path from "node:path";
import { isOwnerFile, lockFile, locksDir, ownerFile, thisHost } from "./layout.js";
import { removeFile } from "../host.js";

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly run: string;
  /** The run's launchers (launcher.ts): each lives as long as the task it runs. */
  readonly launchers?: readonly number[];
}

const UNKNOWN: LockOwner = { pid: 0, host: "?", run: "?" };

export class KeyLocks {
  private readonly dir: string;
  private readonly storeDir: string;
  private readonly ownerFile: string;
  private readonly held = new Set<string>();
  private readonly host = thisHost;

  constructor(storeDir: string, private readonly run: string) {
    this.storeDir = storeDir;
    this.dir = locksDir(storeDir);
    fs.mkdirSync(this.dir, { recursive: true });
    this.ownerFile = ownerFile(storeDir, run);
    try {
      this.setLaunchers([]);
    } catch (error) {
      fs.rmSync(this.ownerFile, { force: true });
      throw error;
    }
  }

  /** Rewrites the owner file in place, so that every lock (a link to it) names the launchers. */
  setLaunchers(launchers: readonly number[]): void {
    const text = Buffer.from(JSON.stringify({ pid: process.pid, host: this.host, run: this.run, launchers } satisfies LockOwner));
    // Overwritten, not truncated first: a short file keeps its block, so a full disk cannot
    // leave it empty (and every lock linked to it unreadable).
    const fd = fs.openSync(this.ownerFile, fs.constants.O_WRONLY | fs.constants.O_CREAT);
    try {
      fs.writeSync(fd, text, 0, text.length, 0);
      fs.ftruncateSync(fd, text.length);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Takes the lock of `key`; returns the owner that holds it when it cannot. */
  acquire(key: string): LockOwner | undefined {
    const file = lockFile(this.storeDir, key);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.linkSync(this.ownerFile, file);
        this.held.add(key);
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const owner = readOwner(file);
      // An unreadable lock is one being (re)written right now, unless it has been so for long.
      if (!owner && !olderThan(file, UNREADABLE_GRACE_MS)) return UNKNOWN;
      if (owner && !gone(owner, this.host)) return owner;
      // The owner died without releasing it, and none of its tasks runs: take it over.
      fs.rmSync(file, { force: true });
    }
    return readOwner(file) ?? UNKNOWN;
  }

  holds(key: string): boolean {
    return this.held.has(key);
  }

  release(key: string): void {
    if (this.held.delete(key)) removeFile(lockFile(this.storeDir, key));
  }

  /** Lets every held lock go, and removes the locks and owner files of runs that are gone. */
  releaseAll(): void {
    for (const key of this.held) removeFile(lockFile(this.storeDir, key));
    this.held.clear();
    fs.rmSync(this.ownerFile, { force: true });
    for (const name of fs.readdirSync(this.dir)) {
      const owner = readOwner(path.join(this.dir, name));
      if (owner && gone(owner, this.host)) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }
}

/** Whether a lock's owner is known to be gone: on this host, with no process left. */
function gone(owner: LockOwner, host: string): boolean {
  return owner.host === host && !alive(owner.pid) && !(owner.launchers ?? []).some(alive);
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

/** The owner files of the runs that hold or held locks on this store (a killed run's stays). */
export function runOwners(storeDir: string): LockOwner[] {
  const dir = locksDir(storeDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter(isOwnerFile).flatMap((n) => readOwner(path.join(dir, n)) ?? []);
}

/** Whether a process runs; a zombie (dead, not yet reaped: some containers' init never reaps) does not. */
export function alive(pid: number): boolean {
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
