// The local backend's half of the store protocol. A runner script (plan/script.ts) runs the
// command and its launcher checks the outputs with the task script's own checks
// (`outputCheckScript`), so a task that exited 0 has valid outputs; pipe then does what the
// self-contained task script does last: write meta.json and rename the work directory into
// place. A forced rerun replaces the old entry; otherwise an entry that a concurrent run
// committed first is kept, being as good.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Plan, Task } from "../../plan/plan.js";
import { taskMeta } from "../../plan/script.js";

export interface Times {
  readonly start: Date;
  readonly end: Date;
}

/** Commits a task's work directory as `final`; returns what is wrong when it cannot. */
export function finishResult(plan: Plan, task: Task, work: string, final: string, forced: boolean, times: Times): string | undefined {
  const meta = { ...taskMeta(plan, task), start: seconds(times.start), end: seconds(times.end), exitCode: 0, host };
  try {
    fs.writeFileSync(path.join(work, "meta.json"), JSON.stringify(meta) + "\n");
  } catch (error) {
    return `cannot write meta.json: ${(error as Error).message}`;
  }
  let old: string | undefined;
  try {
    if (forced && fs.existsSync(final)) {
      old = `${work}.old`;
      fs.renameSync(final, old);
    }
    fs.renameSync(work, final);
  } catch (error) {
    if (!fs.existsSync(path.join(final, "meta.json"))) return `cannot move the result into ${final}: ${(error as Error).message}`;
  }
  if (old) fs.rmSync(old, { recursive: true, force: true });
  return undefined;
}

/** The time format of meta.json, as the task script writes it. */
function seconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

const host = os.hostname();
