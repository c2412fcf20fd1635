// The log of a task's last attempt in a bundle, for `pipe logs DIR TASK`. TASK is a task id
// (as written or as printed) or a pattern (`*` wildcards) that matches one task. Returned as
// data: the log's text, or why there is none.

import fs from "node:fs";
import path from "node:path";
import { taskMatcher } from "../../plan/state.js";
import { namesId } from "../../printable.js";
import { readBundle, type UnreadableBundle } from "./bundle.js";
import { logFile, readSubmissionChains } from "./records.js";

export type BundleLog =
  | UnreadableBundle
  /** `pattern` names no task of the bundle, or several (`matches`, in the bundle's order). */
  | { readonly kind: "no task"; readonly pattern: string }
  | { readonly kind: "several tasks"; readonly pattern: string; readonly matches: string[] }
  /** Its result was in the store when submit.sh ran, or submit.sh has not run. */
  | { readonly kind: "not submitted"; readonly task: string }
  /** `file` (relative to the bundle) is not there yet: job `jobId` has not started. */
  | { readonly kind: "no log yet"; readonly task: string; readonly file: string; readonly jobId: string }
  | { readonly kind: "log"; readonly task: string; readonly file: string; readonly text: string };

export function bundleLog(bundleDir: string, pattern: string): BundleLog {
  const bundle = readBundle(bundleDir);
  if (!bundle.ok) return { kind: "unreadable", error: bundle.error };
  const ids = bundle.value.jobs.filter((j) => !j.attempt).flatMap((j) => j.tasks.map((t) => t.id));
  const named = ids.filter((id) => namesId(pattern, id));
  const matches = named.length === 1 ? named : ids.filter(taskMatcher([pattern]));
  if (matches.length === 0) return { kind: "no task", pattern };
  if (matches.length > 1) return { kind: "several tasks", pattern, matches };
  const task = matches[0]!;
  const retries = new Set(bundle.value.jobs.filter((j) => j.attempt).map((j) => j.name));
  const chain = readSubmissionChains(bundleDir, retries).get(task);
  if (!chain) return { kind: "not submitted", task };
  // The latest attempt that ran (a retry not needed never did, and has no log).
  const submitted = [...chain].reverse().find((s) => fs.existsSync(path.join(bundleDir, logFile(s)))) ?? chain[0]!;
  const file = logFile(submitted);
  try {
    return { kind: "log", task, file, text: fs.readFileSync(path.join(bundleDir, file), "utf8") };
  } catch {
    return { kind: "no log yet", task, file, jobId: submitted.jobId };
  }
}
