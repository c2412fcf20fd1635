// `pipe run`: compile the plan and run it with the local backend; print the failures'
// details or the entry pipeline's outputs at the end (with --quiet, only those: no progress
// and no summary line).

import fs from "node:fs";
import { liveDisplay } from "./color.js";
import os from "node:os";
import path from "node:path";
import { fitsAll, runKept, runPlan, unfittable, type LocalLimits } from "../backends/local/index.js";
import type { Reporter } from "../backends/local/events.js";
import { stateSummary } from "../backends/local/records.js";
import { parseMem } from "../units/memory.js";
import type { Config } from "../config/index.js";
import { packageRoot } from "../host.js";
import { printable, printableLine } from "../printable.js";
import { outputValues } from "../results/outputs.js";
import { runContext } from "../results/git-commit.js";
import { buildPlan, storeUsable, type BuiltPlan, type PlanFlags } from "./build-plan.js";
import { Exit, type Io } from "./io.js";
import { jsonReporter, plainReporter, quietReporter } from "./run-progress.js";

export interface RunFlags extends PlanFlags {
  readonly jobs?: string;
  readonly force?: string[];
  readonly keepGoing?: boolean;
  readonly quiet?: boolean;
}

/** The first interrupt stops a run; a second (`urgent`) kills its tasks at once. */
export interface Interrupts {
  readonly signal: AbortSignal;
  readonly urgent: AbortSignal;
}

export async function runCommand(file: string, flags: RunFlags, io: Io, { signal, urgent }: Interrupts): Promise<number> {
  const built = await buildPlan(file, { ...flags, jsonLines: Boolean(flags.json) }, io, { lazy: true });
  if (!built) return Exit.invalid;
  const { config, projectDir, changedParams, planHash, noop } = built;
  // A kept plan's summary says what the plan would (plan/plan-cache.ts): the plan is read only when it does not.
  let full: BuiltPlan | undefined = built.settle ? undefined : built;
  const settled = async () => (full ??= await built.settle!());
  // With --json every refusal is one line too, so that a reader of the events sees why.
  const refuse = (messages: string[]): number => {
    if (flags.json) io.out(JSON.stringify({ type: "result", status: "invalid", ok: false, errors: messages }) + "\n");
    io.err(messages.map((m) => `pipe: ${m}`).join("\n") + "\n");
    return Exit.invalid;
  };
  const limits = localLimits(config, flags.jobs);
  if (typeof limits === "string") return refuse([limits]);
  if (limits.note && !flags.quiet) io.err(`pipe: ${limits.note}\n`);
  if (!(noop && fitsAll(noop.most, limits))) {
    const plan = (await settled())?.plan;
    if (!plan) return Exit.invalid;
    const problems = unfittable(plan, limits);
    if (problems.length) return refuse([...problems.map((p) => `error: ${p}`), "nothing was started"]);
  }
  if (!storeUsable(config, { ...flags, jsonLines: Boolean(flags.json) }, io)) return Exit.invalid;
  const reporter = await reporterFor(flags, io);
  const context = runContext(projectDir, changedParams);
  const shared = { storeDir: config.storeDir, projectDir, reporter, signal, context, ...(planHash ? { planHash } : {}) };
  const kept = noop && !flags.force?.length ? await runKept({ ...shared, summary: noop, planOf: () => built.plan }) : undefined;
  if (!kept && !(await settled())) return Exit.invalid;
  const ran = kept ? undefined : await runPlan({ ...shared, plan: full!.plan, ...(full!.replan ? { replan: full!.replan } : {}), pipeHome: packageRoot, limits, force: flags.force ?? [], keepGoing: Boolean(flags.keepGoing), urgent, seen: full!.hasher.seen });
  const outcome = ran ?? kept!;
  const expansionFailures = ran?.expansionFailures ?? [];
  const { record, runDir } = outcome;
  (full ?? built).notePlanHash?.(outcome.planHash);
  // With its dynamic loops expanded: what the outputs are made of; a kept plan's, resolved to paths, when it has them.
  const outputsOf = async (): Promise<Record<string, string>> => {
    if (ran) return outputValues(ran.plan, config.storeDir);
    if (noop?.printed) return noop.printed;
    const plan = (await settled())?.plan;
    return plan ? outputValues(plan, config.storeDir) : {};
  };
  const failures = record.tasks
    .filter((t) => t.state === "failed")
    .map((t) => ({ task: t.id, exitCode: t.exitCode ?? null, stderrTail: tail(path.join(runDir, t.stderr ?? ""), 10), log: path.relative(io.cwd, path.join(runDir, t.stderr ?? "")) }));
  if (flags.json) {
    const outputs = record.status === "ok" ? await outputsOf() : {};
    io.out(JSON.stringify({ type: "result", status: record.status, run: record.id, failed: failures.map((f) => f.task), failures, ...(expansionFailures.length ? { expansionFailures } : {}), outputs }) + "\n");
  } else {
    for (const f of failures) {
      io.err(`\nfailed: ${printable(f.task)} (exit ${f.exitCode ?? "signal"})\n`);
      // A log's line shows as a terminal would show it: what follows its last carriage return.
      for (const line of f.stderrTail) io.err(`  | ${printableLine(line.slice(line.lastIndexOf("\r") + 1))}\n`);
      io.err(`  full log: ${f.log}\n`);
    }
    for (const f of expansionFailures) io.err(`\nfailed: the loop ${printable(f.loop)} could not be planned:\n${f.message.replace(/\n?$/, "\n")}`);
    if (!flags.quiet || record.status !== "ok") io.err(`run ${record.id}: ${record.status} (${stateSummary(record)})\n`);
    if (record.status === "ok") {
      for (const [name, text] of Object.entries(await outputsOf())) io.out(`${name} = ${printableLine(text)}\n`);
    }
  }
  return record.status === "ok" ? Exit.ok : record.status === "interrupted" ? 130 : Exit.failed;
}

async function reporterFor(flags: RunFlags, io: Io): Promise<Reporter> {
  if (flags.json) return jsonReporter(io.out);
  if (flags.quiet) return quietReporter();
  if (liveDisplay(io) && io === processIoLike(io)) return (await import("./run-progress-tty.js")).ttyReporter(process.stderr);
  return plainReporter(io.err);
}

// The live display draws on the real terminal; a recording Io (tests) gets plain lines.
function processIoLike(io: Io): Io {
  return io.stderrIsTTY && process.stderr.isTTY ? io : ({} as Io);
}

export function localLimits(config: Config, jobs: string | undefined): (LocalLimits & { note?: string }) | string {
  const cpus = config.local.cpus ?? os.availableParallelism();
  const n = jobs === undefined ? cpus : Number(jobs);
  if (!Number.isInteger(n) || n < 1) return `--jobs takes a whole number, 1 or more (got ${jobs})`;
  // Every task takes at least one cpu, so more jobs than cpus never run at once.
  const where = config.local.cpus !== undefined ? "pipe.config.json's local.cpus" : "this machine's cpus";
  return {
    ...(n > cpus ? { note: `-j ${n} is capped at ${cpus}, ${where}: every task takes at least one cpu` } : {}),
    jobs: Math.min(n, cpus),
    cpus,
    memMb: config.local.mem ? parseMem(config.local.mem)! : Math.floor(os.totalmem() / 1024 / 1024),
    gpus: (config.local.gpus ?? []).map(String),
  };
}

function tail(file: string, n: number): string[] {
  try {
    const lines = fs.readFileSync(file, "utf8").replace(/\n$/, "").split("\n");
    return lines.slice(-n).filter((l, i, all) => l !== "" || i < all.length - 1);
  } catch {
    return [];
  }
}
