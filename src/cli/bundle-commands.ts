// `pipe submit DIR`, `pipe status DIR`, `pipe cancel DIR` and `pipe logs DIR TASK`: each asks
// the Slurm backend, then prints what it returned and chooses the exit code (2 for a
// bundle that cannot be read or a task that cannot be named, 1 for what failed).

import path from "node:path";
import { bundleLog, bundleStatus, cancelBundle, readBundleEnv, submitBundle } from "../backends/slurm/index.js";
import { probeStore } from "../store/index.js";
import { refusalText } from "../plan/verify-inputs.js";
import { printable, printableQuoted } from "../printable.js";
import { jobSummary, settled, statusExitCode, statusJson, statusTable } from "./bundle-status.js";
import { Exit, type Io } from "./io.js";
import { printDiagnostics } from "./report.js";

/** The bundle's store (bundle.env) is probed first, as `pipe run` probes its own. */
export async function submitCommand(dir: string, io: Io, options: { ignoreChanges?: boolean }): Promise<number> {
  const env = readBundleEnv(dir);
  const store = env.ok ? env.value["PIPE_STORE"] : undefined;
  if (store) {
    const problem = probeStore(store, undefined, `the store is PIPE_STORE in ${path.join(dir, "bundle.env")}: emit the bundle again with a "store" this machine can write`);
    if (problem) {
      printDiagnostics(io, [problem], new Map());
      return Exit.invalid;
    }
  }
  const outcome = await submitBundle(dir, { env: io.env, cwd: io.cwd, ...options });
  switch (outcome.kind) {
    case "unreadable":
    case "cannot check":
      io.err(`pipe: ${outcome.error}\n`);
      return Exit.invalid;
    case "changed": {
      for (const message of outcome.messages) io.err(`pipe: ${message}\n`);
      const n = outcome.messages.length;
      io.err(`pipe: ${refusalText(n === 1 ? "1 file" : `${n} files`, `pipe submit ${path.relative(io.cwd, dir) || "."} --ignore-changes`)}\n`);
      return Exit.invalid;
    }
    case "ran":
      if (outcome.stdout) io.out(outcome.stdout + "\n");
      if (outcome.stderr) io.err(outcome.stderr + "\n");
      return outcome.exitCode === 0 ? Exit.ok : Exit.failed;
  }
}

export interface StatusFlags {
  readonly json?: boolean;
  /** Seconds between refreshes (`--watch` alone: 2), until no task is pending or running. */
  readonly watch?: string | boolean;
}

export async function statusCommand(dir: string, io: Io, flags: StatusFlags = {}, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<number> {
  const every = flags.watch === undefined || flags.watch === false ? undefined : flags.watch === true ? 2 : Number(flags.watch);
  if (every !== undefined && !(every > 0)) {
    io.err(`pipe: --watch takes a number of seconds above 0 (got ${String(flags.watch)})\n`);
    return Exit.invalid;
  }
  let last = "";
  for (;;) {
    const status = await bundleStatus(dir, io.env);
    if (status.kind === "unreadable") {
      io.err(`pipe: ${status.error}\n`);
      return Exit.invalid;
    }
    if (status.queueError) io.err(`pipe: warning: ${status.queueError}; states are from the store only\n`);
    const text = flags.json ? statusJson(status.tasks) : `${jobSummary(status.tasks)}\n${statusTable(status.tasks)}`;
    // On a terminal the screen is redrawn; elsewhere a snapshot is printed when it changed.
    if (every !== undefined && io.stdoutIsTTY) io.out(`\x1b[H\x1b[2J${new Date().toISOString()}  every ${every}s\n${text}`);
    else if (text !== last) io.out(text);
    last = text;
    if (every === undefined || settled(status.tasks)) return statusExitCode(status.tasks);
    await sleep(every * 1000);
  }
}

export async function cancelCommand(dir: string, io: Io): Promise<number> {
  const outcome = await cancelBundle(dir, io.env);
  switch (outcome.kind) {
    case "unreadable":
      io.err(`pipe: ${outcome.error}\n`);
      return Exit.invalid;
    case "nothing submitted":
      io.err("pipe: nothing was submitted from this bundle\n");
      return Exit.ok;
    case "cancelled":
      if (outcome.error) {
        io.err(`pipe: ${outcome.error}\n`);
        return Exit.failed;
      }
      io.err(`cancelled jobs ${outcome.jobIds.join(" ")} (those still queued or running)\n`);
      return Exit.ok;
  }
}

/** The log on stdout, its file's name on stderr (so that stdout is the log alone). */
export function bundleLogsCommand(dir: string, task: string, io: Io): number {
  const log = bundleLog(dir, task);
  switch (log.kind) {
    case "unreadable":
      io.err(`pipe: ${log.error}\n`);
      return Exit.invalid;
    case "no task":
      io.err(`pipe: no task ${printableQuoted(log.pattern)} in this bundle\n`);
      return Exit.invalid;
    case "several tasks": {
      const shown = log.matches.slice(0, 10).map(printable).join(", ");
      io.err(`pipe: ${printableQuoted(log.pattern)} matches ${log.matches.length} tasks (${shown}${log.matches.length > 10 ? ", ..." : ""}); name one\n`);
      return Exit.invalid;
    }
    case "not submitted":
      io.err(`pipe: ${printable(log.task)} was not submitted from this bundle (its result was in the store, or submit.sh has not run)\n`);
      return Exit.failed;
    case "no log yet":
      io.err(`pipe: no log yet for ${printable(log.task)}: ${log.file} (job ${log.jobId} has not started)\n`);
      return Exit.failed;
    case "log":
      io.err(`==> ${log.file} <==\n`);
      io.out(log.text);
      return Exit.ok;
  }
}
