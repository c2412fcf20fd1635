// `pipe history` lists the runs of a project; `pipe logs TASK` prints a task's logs from the
// latest run that ran it (or `--run ID`). Both find the project's `.pipe/runs` upward from
// the working directory unless `--project DIR` says where.

import fs from "node:fs";
import path from "node:path";
import { listRuns, runsDir, stateCounts, stateSummary, type RunRecord } from "../backends/local/records.js";
import { taskMatcher } from "../plan/state.js";
import { printable, printableQuoted } from "../printable.js";
import { Exit, type Io } from "./io.js";

export function findProject(io: Io, project: string | undefined): string | undefined {
  if (project) return path.resolve(io.cwd, project);
  for (let dir = io.cwd; ; dir = path.dirname(dir)) {
    if (fs.existsSync(runsDir(dir))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function historyCommand(flags: { project?: string; json?: boolean }, io: Io): number {
  const project = findProject(io, flags.project);
  const runs = project ? listRuns(project) : [];
  if (flags.json) {
    io.out(JSON.stringify(runs.map(({ record }) => ({ ...record, tasks: undefined, counts: stateCounts(record) })), null, 1) + "\n");
    return Exit.ok;
  }
  if (runs.length === 0) {
    io.err("no runs recorded here (runs are kept in .pipe/runs of the project)\n");
    return Exit.ok;
  }
  for (const { record } of runs) {
    io.out(`${record.id}  ${shownStatus(record).padEnd(11)} ${record.file} (${record.entry})  ${stateSummary(record)}\n`);
  }
  return Exit.ok;
}

export function logsCommand(task: string, flags: { project?: string; run?: string }, io: Io): number {
  const project = findProject(io, flags.project);
  const runs = (project ? listRuns(project) : []).reverse();
  const matches = taskMatcher([task]);
  for (const { dir, record } of runs) {
    if (flags.run && record.id !== flags.run) continue;
    const ran = record.tasks.filter((t) => matches(t.id) && t.stdout);
    if (ran.length === 0) continue;
    for (const t of ran) {
      io.out(`==> ${printable(t.id)} (run ${record.id}, ${t.state}${t.exitCode != null ? `, exit ${t.exitCode}` : ""}) <==\n`);
      for (const [label, file] of [["stdout", t.stdout], ["stderr", t.stderr]] as const) {
        const text = file ? readOr(path.join(dir, file)) : "";
        if (text) io.out(`--- ${label} ---\n${text}${text.endsWith("\n") ? "" : "\n"}`);
      }
    }
    return Exit.ok;
  }
  io.err(`pipe: no recorded run ran a task matching ${printableQuoted(task)}${flags.run ? ` in run ${flags.run}` : ""}\n`);
  return Exit.failed;
}

/** A run still "running" whose pipe is gone was killed (on this host: pids mean nothing elsewhere). */
function shownStatus(record: RunRecord): string {
  if (record.status !== "running") return record.status;
  try {
    process.kill(record.pid, 0);
    return "running";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? "running" : "killed";
  }
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

