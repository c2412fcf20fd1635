// The local backend's half of the store protocol. A runner script (plan/script.ts) only runs
// the command; once it succeeded, pipe does what the self-contained task script does after
// it, with the same rules and messages: verify every declared output (and normalize scalars),
// write meta.json, and rename the work directory into place. A forced rerun replaces the old
// entry; otherwise an entry that a concurrent run committed first is kept, being as good.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Plan, Task } from "../../plan/plan.js";
import { invalidOutput, missingOutput, taskMeta, VALIDATE } from "../../plan/script.js";
import { shellQuote } from "../../plan/values.js";

export interface Times {
  readonly start: Date;
  readonly end: Date;
}

/** Commits a task's work directory as `final`; returns what is wrong when it cannot. */
export function finishResult(plan: Plan, task: Task, work: string, final: string, forced: boolean, times: Times): string | undefined {
  for (const o of plan.actions[task.action]!.outputs) {
    const file = path.join(work, o.name);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!(o.type === "Dir" ? stat?.isDirectory() : stat?.isFile())) return missingOutput(o.name, o.type);
    const re = VALIDATE[o.type];
    if (!re) continue;
    const value = normalized(fs.readFileSync(file, "utf8"));
    if (!re.test(value)) return invalidOutput(o.name, o.type, shellQuote(value));
    fs.writeFileSync(file, `${value}\n`);
  }
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

/** A scalar output as the task script reads it: up to a NUL byte, without surrounding white space. */
function normalized(text: string): string {
  const nul = text.indexOf("\0");
  const body = nul >= 0 ? text.slice(0, nul) : text;
  // Not `/\s+$/`: a regular expression anchored at the end retries at every space, quadratic in a long run of them.
  let end = body.length;
  while (end > 0 && " \t\n\v\f\r".includes(body[end - 1]!)) end--;
  return body.slice(0, end).replace(/^[ \t\n\v\f\r]+/, "");
}

/** The time format of meta.json, as the task script writes it. */
function seconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

const host = os.hostname();
