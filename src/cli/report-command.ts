// `pipe report [RUN] [-o FILE]`: an HTML report of a local run (the latest, a run id from
// `pipe history`, or a run's directory) or of a Slurm bundle (its directory). Written beside
// the run's record or in the bundle, `report.html`, unless `-o` says where.

import fs from "node:fs";
import path from "node:path";
import { listRuns, readRecord } from "../backends/local/read-records.js";
import { BUNDLE_FILE } from "../backends/slurm/bundle.js";
import { localReport, reportHtml, slurmReport, type Report } from "../report/index.js";
import { printableQuoted } from "../printable.js";
import { findProject } from "./history-command.js";
import { Exit, type Io } from "./io.js";

export interface ReportFlags {
  readonly output?: string;
  readonly project?: string;
}

export async function reportCommand(run: string | undefined, flags: ReportFlags, io: Io): Promise<number> {
  const found = await findReport(run, flags, io);
  if ("error" in found) {
    io.err(`pipe: ${found.error}\n`);
    return Exit.failed;
  }
  const out = flags.output ? path.resolve(io.cwd, flags.output) : path.join(found.dir, "report.html");
  try {
    fs.writeFileSync(out, reportHtml(found.report, new Date()));
  } catch (error) {
    io.err(`pipe: cannot write ${out}: ${(error as Error).message}\n`);
    return Exit.failed;
  }
  const attempts = found.report.tasks.reduce((n, t) => n + t.attempts.length, 0);
  io.out(`wrote ${out} (${found.report.kind} ${found.report.name}: ${found.report.tasks.length} tasks, ${attempts} attempts)\n`);
  for (const note of found.report.notes) io.err(`note: ${note}\n`);
  return Exit.ok;
}

async function findReport(run: string | undefined, flags: ReportFlags, io: Io): Promise<{ report: Report; dir: string } | { error: string }> {
  const given = run === undefined ? undefined : path.resolve(io.cwd, run);
  if (given && fs.existsSync(path.join(given, BUNDLE_FILE))) {
    const r = await slurmReport(given, io.env);
    return r.report ? { report: r.report, dir: given } : { error: r.error! };
  }
  if (given && fs.existsSync(path.join(given, "run.json"))) {
    const record = readRecord(given);
    return record ? { report: localReport(given, record), dir: given } : { error: `${given}/run.json is not a run record` };
  }
  const project = findProject(io, flags.project);
  const runs = project ? listRuns(project) : [];
  if (runs.length === 0) return { error: run === undefined ? "no runs recorded here (runs are kept in .pipe/runs of the project); give a run or a bundle directory" : `no run or bundle ${printableQuoted(run)}` };
  const chosen = run === undefined ? runs[runs.length - 1] : runs.find((r) => r.record.id === run);
  if (!chosen) return { error: `no run ${printableQuoted(run!)} (see pipe history), and no bundle or run directory of that name` };
  return { report: localReport(chosen.dir, chosen.record), dir: chosen.dir };
}
