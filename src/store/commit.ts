// Committing a result to the store, as pipe does it for the local backend (the self-contained
// task script does the same in bash, plan/script.ts): its record is written into the work
// directory (meta.ts), which is then renamed to `STORE/<key>/`, so that an entry appears
// whole or not at all. A forced rerun replaces the old entry (moved aside first, removed
// after), as does a folder left without its record; otherwise an entry that a concurrent run
// committed first is kept, being as good.
// The outputs were checked before (outputs.ts), by the launcher: a task that exited 0 has
// valid outputs.

import fs from "node:fs";
import path from "node:path";
import type { Plan, Task } from "../plan/plan.js";
import { META, replacedDir, thisHost } from "./layout.js";
import { entryMeta, metaTime } from "./meta.js";

export interface Times {
  readonly start: Date;
  readonly end: Date;
}

/** Commits a task's work directory as `final` (its entry, `entryDir`); returns what is wrong when it cannot. */
export function finishResult(plan: Plan, task: Task, work: string, final: string, forced: boolean, times: Times): string | undefined {
  const meta = entryMeta(plan, task, { start: metaTime(times.start), end: metaTime(times.end), host: thisHost });
  try {
    fs.writeFileSync(path.join(work, META), JSON.stringify(meta) + "\n");
  } catch (error) {
    return `cannot write ${META}: ${(error as Error).message}`;
  }
  return commitEntry(work, final, forced);
}

/**
 * Renames `work` into place as `final`, replacing an entry there only when `forced`. What is
 * there without a META is no entry (one damaged by hand): it is replaced too.
 */
function commitEntry(work: string, final: string, forced: boolean): string | undefined {
  let old: string | undefined;
  try {
    if ((forced || !fs.existsSync(path.join(final, META))) && fs.existsSync(final)) {
      old = replacedDir(work);
      fs.renameSync(final, old);
    }
    fs.renameSync(work, final);
  } catch (error) {
    if (!fs.existsSync(path.join(final, META))) return `cannot move the result into ${final}: ${(error as Error).message}`;
  }
  if (old) fs.rmSync(old, { recursive: true, force: true });
  return undefined;
}
