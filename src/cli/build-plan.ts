// The steps every plan-based command shares: check the program, load the config, bind the
// parameters, compile the plan, or reuse the plan of the same invocation when nothing it
// read has changed (plan/plan-cache.ts; `PIPE_NO_PLAN_CACHE=1` always compiles).
// Diagnostics are printed here; a failure yields undefined.

import path from "node:path";
import type { Config } from "../config/index.js";
import { ContentHasher } from "../plan/content-hash.js";
import { reusePlan, type Invocation } from "../plan/plan-cache.js";
import type { Plan, PlanValue } from "../plan/plan.js";
import type { TypedProgram } from "../check/typed.js";
import { hashCacheFile } from "../store/layout.js";
import { probeStore } from "../store/probe.js";
import type { Io } from "./io.js";
import { diagnosticsJson, printDiagnostics } from "./report.js";

export interface PlanFlags {
  readonly entry?: string;
  readonly param?: string[];
  readonly params?: string;
  readonly config?: string;
  readonly json?: boolean;
}

export interface BuiltPlan {
  readonly plan: Plan;
  readonly config: Config;
  readonly projectDir: string;
  /** The hasher the plan's keys were computed with (what it saw of each input: `seen`). */
  readonly hasher: ContentHasher;
  /** Whether the plan came from the plan cache (plan/plan-cache.ts) rather than a compilation. */
  readonly reused: boolean;
  /** The entry's parameters whose values differ from their defaults, for the run's record. */
  readonly changedParams: Record<string, PlanValue>;
  /** The checked program: present when compiled, or asked for with `{ program: true }`. */
  readonly program?: TypedProgram;
}

/** `needs.program`: the command needs the checked program, so a kept plan is not enough. */
export async function buildPlan(file: string, flags: PlanFlags, io: Io, needs: { program?: boolean } = {}): Promise<BuiltPlan | undefined> {
  const entryFile = path.resolve(io.cwd, file);
  const projectDir = path.dirname(entryFile);
  const invocation: Invocation = {
    entryFile,
    entry: flags.entry ?? "main",
    params: flags.param ?? [],
    ...(flags.params ? { paramsFile: path.resolve(io.cwd, flags.params) } : {}),
    ...(flags.config ? { configFile: path.resolve(io.cwd, flags.config) } : {}),
    cwd: io.cwd,
  };
  const cache = !io.env["PIPE_NO_PLAN_CACHE"];
  if (cache && !needs.program) {
    const checked = new ContentHasher(hashCacheFile(projectDir));
    const reused = await reusePlan(invocation, checked);
    checked.save();
    if (reused) {
      if (!flags.json) printDiagnostics(io, reused.warnings, new Map());
      return { plan: reused.plan, config: reused.config, projectDir, hasher: checked, reused: true, changedParams: reused.changedParams };
    }
  }
  // Loaded only now: a reused plan never loads the parser, the checker or the schemas.
  const { compileProgram } = await import("./compile-program.js");
  return compileProgram(invocation, flags, io, cache);
}

/** Whether the config's store can be written (`probeStore`); prints the diagnostic when not. */
export function storeUsable(config: Config, flags: Pick<PlanFlags, "json">, io: Io): boolean {
  const where = config.storeSpan ? "the \"store\" of the config" : "\"store\" in pipe.config.json (the default is .pipe/store of the project)";
  const problem = probeStore(config.storeDir, config.storeSpan, `set ${where} to a directory this machine can write`);
  if (!problem) return true;
  if (flags.json) io.out(JSON.stringify({ ok: false, diagnostics: diagnosticsJson(io, [problem], new Map()) }, null, 2) + "\n");
  else printDiagnostics(io, [problem], new Map());
  return false;
}

/** Adds the flags of `buildPlan` to a commander command. */
export function planOptions<C extends { option(flags: string, description: string, ...rest: never[]): C }>(command: C): C {
  return command
    .option("--entry <name>", "the pipeline to run (default: main)")
    .option("-p, --param <name=value>", "a parameter of the entry pipeline (repeatable)", ((v: string, acc: string[] = []) => [...acc, v]) as never)
    .option("--params <file.json>", "parameters of the entry pipeline, as a JSON object")
    .option("--config <file>", "a config file laid over the project's pipe.config.json");
}
