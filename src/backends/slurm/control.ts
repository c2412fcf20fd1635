// `pipe submit DIR` runs the bundle's own submit.sh (so a bundle submits the same with or
// without pipe); `pipe cancel DIR` cancels the jobs of every task's last submission with
// one scancel call.

import path from "node:path";
import { Exit, type Io } from "../../cli/io.js";
import { readBundle } from "./bundle.js";
import { cancelJobs } from "./queue.js";
import { readRecords } from "./records.js";

export async function slurmSubmit(dir: string, io: Io): Promise<number> {
  const bundle = readBundle(dir);
  if (!bundle.ok) {
    io.err(`pipe: ${bundle.error}\n`);
    return Exit.invalid;
  }
  // Loaded on first use, not with the CLI: execa is a third of the start-up of every command.
  const { execa } = await import("execa");
  const result = await execa("bash", [path.join(dir, "submit.sh")], { reject: false, env: io.env as Record<string, string>, cwd: io.cwd });
  if (result.stdout) io.out(String(result.stdout) + "\n");
  if (result.stderr) io.err(String(result.stderr) + "\n");
  return result.exitCode === 0 ? Exit.ok : Exit.failed;
}

export async function slurmCancel(dir: string, io: Io): Promise<number> {
  const bundle = readBundle(dir);
  if (!bundle.ok) {
    io.err(`pipe: ${bundle.error}\n`);
    return Exit.invalid;
  }
  const ids = [...new Set([...readRecords(dir).values()].map((r) => r.jobId))].sort((a, b) => Number(a) - Number(b));
  if (ids.length === 0) {
    io.err("pipe: nothing was submitted from this bundle\n");
    return Exit.ok;
  }
  const { error } = await cancelJobs(ids, io.env);
  if (error) {
    io.err(`pipe: ${error}\n`);
    return Exit.failed;
  }
  io.err(`cancelled jobs ${ids.join(" ")} (those still queued or running)\n`);
  return Exit.ok;
}
