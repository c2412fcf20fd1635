// The local backend's half of the store protocol of task scripts (plan/script.ts): run with
// PIPE_COMMIT=runner, a script that succeeded leaves its verified result, meta.json included,
// in its work directory, and pipe renames it into place as the script would have with
// `mv -T` (one process less per task): a forced rerun replaces the old entry; otherwise an
// entry that a concurrent run committed first is kept, being as good as this one.

import fs from "node:fs";
import path from "node:path";

/** Commits a task's work directory as `final`; returns a message when that fails. */
export function commitResult(work: string, final: string, forced: boolean): string | undefined {
  // No meta.json: the script found the key in the store already and did nothing.
  if (!fs.existsSync(path.join(work, "meta.json"))) return undefined;
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
