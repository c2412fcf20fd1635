// `pipe logs DIR TASK`: the log of a task's last attempt in a bundle. TASK is a task id or
// a pattern (`*` wildcards) that matches one task.

import fs from "node:fs";
import path from "node:path";
import { Exit, type Io } from "../../cli/io.js";
import { taskMatcher } from "../../plan/state.js";
import { namesId, printable, printableQuoted } from "../../printable.js";
import { readBundle } from "./bundle.js";
import { logFile, readRecords } from "./records.js";

export async function slurmLogs(bundleDir: string, task: string, io: Io): Promise<number> {
  const bundle = readBundle(bundleDir);
  if (!bundle.ok) {
    io.err(`pipe: ${bundle.error}\n`);
    return Exit.invalid;
  }
  const ids = bundle.value.jobs.flatMap((j) => j.tasks.map((t) => t.id));
  const named = ids.filter((id) => namesId(task, id));
  const matches = named.length === 1 ? named : ids.filter(taskMatcher([task]));
  if (matches.length !== 1) {
    const shown = matches.slice(0, 10).map(printable).join(", ");
    io.err(matches.length === 0 ? `pipe: no task ${printableQuoted(task)} in this bundle\n` : `pipe: ${printableQuoted(task)} matches ${matches.length} tasks (${shown}${matches.length > 10 ? ", ..." : ""}); name one\n`);
    return Exit.invalid;
  }
  const record = readRecords(bundleDir).get(matches[0]!);
  if (!record) {
    io.err(`pipe: ${printable(matches[0]!)} was not submitted from this bundle (its result was in the store, or submit.sh has not run)\n`);
    return Exit.failed;
  }
  const file = logFile(record);
  let text: string;
  try {
    text = fs.readFileSync(path.join(bundleDir, file), "utf8");
  } catch {
    io.err(`pipe: no log yet for ${printable(matches[0]!)}: ${file} (job ${record.jobId} has not started)\n`);
    return Exit.failed;
  }
  io.err(`==> ${file} <==\n`);
  io.out(text);
  return Exit.ok;
}
