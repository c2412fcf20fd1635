// The commands' scratch directories ($PIPE_WORK), each lent to one task at a time. One that
// its task left empty, as most tasks leave it, is lent again: making and removing a directory
// for every task were among the costliest system calls of a sweep of small tasks (each
// allocates or frees a block of the file system, which a mount with `discard` also trims).
// One left with anything in it, or no longer a directory, is removed off the critical path
// and its name is never lent again; so is one whose task may still run (its launcher died).

import fs from "node:fs";
import { scratchDir } from "../../store/index.js";

export class ScratchDirs {
  private readonly empty: string[] = [];
  private made = 0;

  constructor(
    private readonly storeDir: string,
    /** Takes a removal to finish before the run ends. */
    private readonly later: (removal: Promise<unknown>) => void,
  ) {}

  /** An empty directory for a task's command; throws when none can be made. */
  take(): string {
    const lent = this.empty.pop();
    if (lent !== undefined) return lent;
    const dir = scratchDir(this.storeDir, ++this.made);
    fs.mkdirSync(dir);
    return dir;
  }

  /** `dir` back from a task that has ended (its process group signalled) when `ended`, else from one that may still run. */
  giveBack(dir: string, ended: boolean): void {
    if (ended && isEmptyDir(dir)) this.empty.push(dir);
    else this.later(fs.promises.rm(dir, { recursive: true, force: true }));
  }

  /** Removes the empty directories, at the end of the run. */
  close(): void {
    for (const dir of this.empty.splice(0)) this.giveBack(dir, false);
  }
}

/** Whether `dir` is a directory, not a link to one, with nothing in it. */
function isEmptyDir(dir: string): boolean {
  try {
    return fs.lstatSync(dir).isDirectory() && fs.readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}
