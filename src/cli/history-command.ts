// `pipe history` lists the runs of a project, newest first, in aligned columns (status,
// duration, the parameters that differ from the defaults, the git commit). `pipe logs TASK`
// prints a task's logs from the latest run that ran it (or `--run ID`), saying which run and
// key they are of. Both find the project's `.pipe/runs` upward from the working directory
// unless `--project DIR` says where.

import { maxOf } from "../arrays.js";
import fs from "node:fs";
import path from "node:path";
import { runsDir, stateCounts, stateSummary, type RunRecord } from "../backends/local/records.js";
import { listRuns } from "../backends/local/read-records.js";
import { taskMatcher } from "../plan/state.js";
import type { PlanValue } from "../plan/plan.js";
import { printable, printableQuoted } from "../printable.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, writeJson, type Io } from "./io.js";

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
    writeJson(io, [...runs].reverse().map(({ record }) => ({ ...record, tasks: undefined, counts: stateCounts(record) })));
    return Exit.ok;
  }
  if (runs.length === 0) {
    io.err("no runs recorded here (runs are kept in .pipe/runs of the project)\n");
    return Exit.ok;
  }
  const rows = [...runs].reverse().map(({ record }) => [
    record.id,
    shownStatus(record),
    duration(record),
    `${record.file} (${record.entry})`,
    stateSummary(record) || "no tasks",
    Object.entries(record.params ?? {}).map(([k, v]) => `${k}=${printable(valueText(v))}`).join(" ") || "-",
    record.commit ?? "-",
  ]);
  io.out(alignedTable(["run", "status", "duration", "program", "tasks", "parameters", "commit"], rows));
  return Exit.ok;
}

export interface LogsFlags extends PlanFlags {
  readonly project?: string;
  readonly run?: string;
}

/**
 * The header of each task's logs names the run and the key they are of; a warning says when
 * that key is not the one the current plan has for the id (the recorded program compiled now,
 * with `-p`/`--params` when given), so logs of an older version are not taken for the current one.
 */
export async function logsCommand(task: string, flags: LogsFlags, io: Io): Promise<number> {
  const project = findProject(io, flags.project);
  const runs = (project ? listRuns(project) : []).reverse();
  const matches = taskMatcher([task]);
  for (const { dir, record } of runs) {
    if (flags.run && record.id !== flags.run) continue;
    const ran = record.tasks.filter((t) => matches(t.id) && t.stdout);
    if (ran.length === 0) continue;
    const current = await currentKeys(project!, record, flags, io);
    for (const t of ran) {
      io.out(`==> ${printable(t.id)} (run ${record.id}, key ${t.key}, ${t.state}${t.exitCode != null ? `, exit ${t.exitCode}` : ""}) <==\n`);
      if (current) {
        const now = current.get(t.id);
        if (now === undefined) io.err(`pipe: warning: the current plan of ${record.file} has no task ${printable(t.id)}; these logs are of run ${record.id}\n`);
        else if (now !== t.key) io.err(`pipe: warning: these logs of ${printable(t.id)} are of key ${t.key} (run ${record.id}); the current plan has key ${now} for it: these are not its logs\n`);
      }
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

/** The keys of the current plan of the run's program, by task id; undefined when it does not compile now. */
async function currentKeys(project: string, record: RunRecord, flags: LogsFlags, io: Io): Promise<Map<string, string> | undefined> {
  const silent: Io = { ...io, out: () => {}, err: () => {} };
  // Without parameters given, those the run had: the plan it would have now.
  const given = flags.param !== undefined || flags.params !== undefined;
  const param = given ? flags.param : Object.entries(record.params ?? {}).map(([k, v]) => `${k}=${expressionText(v, project)}`);
  const built = await buildPlan(path.resolve(project, record.file), { ...flags, ...(param ? { param } : {}), entry: flags.entry ?? record.entry, json: false }, { ...silent, cwd: project });
  if (!built) {
    io.err(`pipe: warning: ${record.file} does not compile now; the logs cannot be compared with its current plan\n`);
    return undefined;
  }
  return new Map(built.plan.tasks.map((t) => [t.id, t.key]));
}

/** A plan value as a `.pipe` expression, for `-p` (a path absolute, so that it means the same from anywhere). */
function expressionText(v: PlanValue, project: string): string {
  if (v === null) return "none";
  if (Array.isArray(v)) return `[${v.map((x) => expressionText(x, project)).join(", ")}]`;
  if (typeof v === "string") return `"${v.replace(/"/g, '\\"')}"`;
  if (typeof v !== "object") return String(v);
  if ("$path" in v) return expressionText(path.resolve(project, v.$path), project);
  if ("$record" in v) return `{${Object.entries(v.$record).map(([k, f]) => `${k} = ${expressionText(f, project)}`).join(", ")}}`;
  return "none";
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

/** Columns padded to their widest cell; the last is not padded. */
function alignedTable(head: readonly string[], rows: readonly string[][]): string {
  const all = [head.map((h) => h.toUpperCase()), ...rows];
  const widths = head.map((_, i) => maxOf(all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd() + "\n").join("");
}

/** `1.2s`, `3m04s`, `2h05m`; `-` while it runs. */
function duration(record: RunRecord): string {
  if (!record.ended) return "-";
  const ms = Date.parse(record.ended) - Date.parse(record.started);
  if (!(ms >= 0)) return "-";
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function valueText(v: PlanValue): string {
  if (v === null) return "none";
  if (Array.isArray(v)) return `[${v.map(valueText).join(",")}]`;
  if (typeof v !== "object") return String(v);
  if ("$path" in v) return v.$path;
  if ("$record" in v) return `{${Object.entries(v.$record).map(([k, f]) => `${k}=${valueText(f)}`).join(",")}}`;
  return `${v.$ref}.${v.output}`;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

