// Per-key locks, so that two `pipe run` on one store never run the same key at once.
// A lock is a file created with O_EXCL holding its owner's pid; a lock whose owner is no
// longer alive (a killed run) is taken over.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly run: string;
}

export class KeyLocks {
  private readonly dir: string;
  private readonly held = new Set<string>();

  constructor(storeDir: string, private readonly run: string) {
    this.dir = path.join(storeDir, ".locks");
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** Takes the lock of `key`; returns the owner that holds it when it cannot. */
  acquire(key: string): LockOwner | undefined {
    const file = path.join(this.dir, key);
    const me: LockOwner = { pid: process.pid, host: os.hostname(), run: this.run };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(me), { flag: "wx" });
        this.held.add(key);
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const owner = readOwner(file);
      if (owner && (owner.host !== me.host || alive(owner.pid))) return owner;
      // The owner died without releasing it: take it over.
      fs.rmSync(file, { force: true });
    }
    return readOwner(file) ?? { pid: 0, host: "?", run: "?" };
  }

  release(key: string): void {
    if (!this.held.delete(key)) return;
    fs.rmSync(path.join(this.dir, key), { force: true });
  }

  releaseAll(): void {
    for (const key of [...this.held]) this.release(key);
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
