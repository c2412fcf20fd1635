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

// Where the Slurm commands and others find it still.
export { planOptions } from "./plan-options.js";

export interface PlanFlags {
  readonly entry?: string;
  readonly param?: string[];
  readonly params?: string;
  readonly config?: string;
  readonly json?: boolean;
  /** `run --json`: a failure is one JSON line, like the run's events. */
  readonly jsonLines?: boolean;
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
  /** The program's source files, by absolute path, when it was compiled. */
  readonly sources?: ReadonlyMap<string, string>;
  /** The hash a run stored this kept plan under in `.pipe/plans`, when one did (plan/plan-cache.ts). */
  readonly planHash?: string;
  /** Notes the hash a run stored the plan under, when the plan is kept: the next run links it without hashing it. */
  readonly notePlanHash?: (hash: string) => void;
  /** Compiles the plan again, the store as it is now (dynamic loops whose lists have appeared get planned); diagnostics rendered as text. */
  readonly replan?: () => Promise<{ readonly plan: Plan } | { readonly error: string }>;
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
    // A plan with dynamic loops still pending is made again: their lists may be in the store now.
    if (reused && !reused.plan.pending?.length) {
      if (!flags.json) printDiagnostics(io, reused.warnings, new Map());
      const planHash = reused.planHash !== undefined ? { planHash: reused.planHash } : {};
      return { plan: reused.plan, config: reused.config, projectDir, hasher: checked, reused: true, changedParams: reused.changedParams, ...planHash, notePlanHash: reused.notePlanHash };
    }
  }
  // Loaded only now: a reused plan never loads the parser, the checker or the schemas.
  const { compileProgram } = await import("./compile-program.js");
  return compileProgram(invocation, flags, io, cache);
}

/** Whether the config's store can be written (`probeStore`); prints the diagnostic when not. */
export function storeUsable(config: Config, flags: Pick<PlanFlags, "json" | "jsonLines">, io: Io): boolean {
  const where = config.storeSpan ? "the \"store\" of the config" : "\"store\" in pipe.config.json (the default is .pipe/store of the project)";
  const problem = probeStore(config.storeDir, config.storeSpan, `set ${where} to a directory this machine can write`);
  if (!problem) return true;
  if (flags.jsonLines) io.out(JSON.stringify({ type: "result", status: "invalid", ok: false, diagnostics: diagnosticsJson(io, [problem], new Map()) }) + "\n");
  else if (flags.json) io.out(JSON.stringify({ ok: false, diagnostics: diagnosticsJson(io, [problem], new Map()) }, null, 2) + "\n");
  else printDiagnostics(io, [problem], new Map());
  return false;
}
