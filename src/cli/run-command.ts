// `pipe run`: compile the plan and run it with the local backend; print the failures'
// details or the entry pipeline's outputs at the end.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runPlan, unfittable, type LocalLimits } from "../backends/local/index.js";
import type { Reporter } from "../backends/local/events.js";
import { stateSummary } from "../backends/local/records.js";
import { parseMem } from "../units/memory.js";
import type { Config } from "../config/index.js";
import { packageRoot } from "../host.js";
import type { Plan, PlanValue } from "../plan/plan.js";
import { printable, printableLine } from "../printable.js";
import { isStructured, outputPath, parseType, projectValue, scalarValue, structuredValue } from "../store/index.js";
import { scalarText, type Value } from "../plan/values.js";
import { runContext } from "../results/run-context.js";
import { buildPlan, storeUsable, type PlanFlags } from "./build-plan.js";
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
  const built = await buildPlan(file, flags, io);
  if (!built) return Exit.invalid;
  const { plan, config, projectDir, hasher, changedParams } = built;
  const limits = localLimits(config, flags.jobs);
  if (typeof limits === "string") {
    io.err(`pipe: ${limits}\n`);
    return Exit.invalid;
  }
  const problems = unfittable(plan, limits);
  if (problems.length) {
    io.err(problems.map((p) => `pipe: error: ${p}`).join("\n") + "\nnothing was started\n");
    return Exit.invalid;
  }
  if (!storeUsable(config, flags, io)) return Exit.invalid;
  const outcome = await runPlan({ plan, storeDir: config.storeDir, projectDir, pipeHome: packageRoot, limits, force: flags.force ?? [], keepGoing: Boolean(flags.keepGoing), reporter: await reporterFor(flags, io), signal, urgent, seen: hasher.seen, context: runContext(projectDir, changedParams) });
  const { record, runDir } = outcome;
  const failures = record.tasks
    .filter((t) => t.state === "failed")
    .map((t) => ({ task: t.id, exitCode: t.exitCode ?? null, stderrTail: tail(path.join(runDir, t.stderr ?? ""), 10), log: path.relative(io.cwd, path.join(runDir, t.stderr ?? "")) }));
  if (flags.json) {
    const outputs = record.status === "ok" ? outputValues(plan, config.storeDir) : {};
    io.out(JSON.stringify({ type: "result", status: record.status, run: record.id, failed: failures.map((f) => f.task), failures, outputs }) + "\n");
  } else {
    for (const f of failures) {
      io.err(`\nfailed: ${printable(f.task)} (exit ${f.exitCode ?? "signal"})\n`);
      // A log's line shows as a terminal would show it: what follows its last carriage return.
      for (const line of f.stderrTail) io.err(`  | ${printableLine(line.slice(line.lastIndexOf("\r") + 1))}\n`);
      io.err(`  full log: ${f.log}\n`);
    }
    if (!flags.quiet || record.status !== "ok") io.err(`run ${record.id}: ${record.status} (${stateSummary(record)})\n`);
    if (record.status === "ok" && !flags.quiet) {
      for (const [name, text] of Object.entries(outputValues(plan, config.storeDir))) io.out(`${name} = ${printableLine(text)}\n`);
    }
  }
  return record.status === "ok" ? Exit.ok : record.status === "interrupted" ? 130 : Exit.failed;
}

async function reporterFor(flags: RunFlags, io: Io): Promise<Reporter> {
  if (flags.json) return jsonReporter(io.out);
  if (flags.quiet) return quietReporter();
  if (io.stderrIsTTY && io === processIoLike(io)) return (await import("./run-progress-tty.js")).ttyReporter(process.stderr);
  return plainReporter(io.err);
}

// The live display draws on the real terminal; a recording Io (tests) gets plain lines.
function processIoLike(io: Io): Io {
  return io.stderrIsTTY && process.stderr.isTTY ? io : ({} as Io);
}

export function localLimits(config: Config, jobs: string | undefined): LocalLimits | string {
  const cpus = config.local.cpus ?? os.availableParallelism();
  const n = jobs === undefined ? cpus : Number(jobs);
  if (!Number.isInteger(n) || n < 1) return `--jobs takes a whole number, 1 or more (got ${jobs})`;
  return {
    jobs: n,
    cpus,
    memMb: config.local.mem ? parseMem(config.local.mem)! : Math.floor(os.totalmem() / 1024 / 1024),
    gpus: (config.local.gpus ?? []).map(String),
  };
}

/** The entry pipeline's outputs as text: scalars by value, files and dirs by store path. */
export function outputValues(plan: Plan, storeDir: string): Record<string, string> {
  const keyOf = new Map(plan.tasks.map((t) => [t.id, t.key]));
  const typeOf = new Map(plan.tasks.map((t) => [t.id, plan.actions[t.action]!.outputs]));
  const text = (v: PlanValue): string => {
    if (v === null) return "none";
    if (Array.isArray(v)) return `[${v.map(text).join(", ")}]`;
    if (typeof v !== "object") return String(v);
    if ("$path" in v) return v.$path;
    if ("$record" in v) return `{${Object.entries(v.$record).map(([k, f]) => `${k} = ${text(f)}`).join(", ")}}`;
    const file = outputPath(storeDir, keyOf.get(v.$ref)!, v.output);
    const type = typeOf.get(v.$ref)!.find((o) => o.name === v.output)?.type;
    if (type === "File" || type === "Dir") return file;
    try {
      if (v.fields || (type !== undefined && isStructured(parseType(type)))) return valueText(projectValue(structuredValue(file, parseType(type!)), v.fields ?? []));
      return scalarValue(fs.readFileSync(file, "utf8"));
    } catch {
      return `(missing: ${file})`;
    }
  };
  return Object.fromEntries(plan.outputs.map((o) => [o.name, text(o.value)]));
}

function tail(file: string, n: number): string[] {
  try {
    const lines = fs.readFileSync(file, "utf8").replace(/\n$/, "").split("\n");
    return lines.slice(-n).filter((l, i, all) => l !== "" || i < all.length - 1);
  } catch {
    return [];
  }
}

/** A value read back from the store as `.pipe` writes it: `[0.3, 0.9]`, `{acc = 0.9, loss = 0.5}`, strings quoted inside lists and records. */
function valueText(v: Value, inside = false): string {
  switch (v.t) {
    case "none":
      return "none";
    case "list":
      return `[${v.items.map((i) => valueText(i, true)).join(", ")}]`;
    case "record":
      return `{${Object.keys(v.fields).sort().map((k) => `${k} = ${valueText(v.fields[k]!, true)}`).join(", ")}}`;
    case "str":
    case "path":
      return inside ? JSON.stringify(scalarText(v)) : scalarText(v);
    default:
      return scalarText(v);
  }
}
