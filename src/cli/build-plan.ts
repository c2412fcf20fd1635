// The steps every plan-based command shares: check the program, load the config, bind the
// parameters, compile the plan. Diagnostics are printed here; a failure yields undefined.

import path from "node:path";
import { loadConfig, type Config } from "../config/index.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { nodeFileHost } from "../host.js";
import { compile } from "../plan/index.js";
import { ContentHasher } from "../plan/content-hash.js";
import { paramValues } from "../plan/params.js";
import type { Plan } from "../plan/plan.js";
import { frontEnd } from "../phases.js";
import { bindParams } from "../check/params.js";
import { hashCacheFile, probeStore } from "../store/index.js";
import type { TypedProgram } from "../check/typed.js";
import type { Io } from "./io.js";
import { diagnosticsJson, printDiagnostics } from "./report.js";

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
  readonly program: TypedProgram;
  readonly projectDir: string;
  /** The hasher the plan's keys were computed with (what it saw of each input: `seen`). */
  readonly hasher: ContentHasher;
}

export async function buildPlan(file: string, flags: PlanFlags, io: Io): Promise<BuiltPlan | undefined> {
  const entryFile = path.resolve(io.cwd, file);
  const front = frontEnd(entryFile, nodeFileHost);
  const sources = new Map(front.sources);
  const fail = (diagnostics: Diagnostic[]) => {
    if (flags.jsonLines) io.out(JSON.stringify({ type: "result", status: "invalid", ok: false, diagnostics: diagnosticsJson(io, diagnostics, sources) }) + "\n");
    else if (flags.json) io.out(JSON.stringify({ ok: false, diagnostics: diagnosticsJson(io, diagnostics, sources) }, null, 2) + "\n");
    else printDiagnostics(io, diagnostics, sources);
    return undefined;
  };
  if (!front.program) return fail(front.diagnostics);
  const program = front.program;
  if (!flags.json) printDiagnostics(io, front.diagnostics, sources);

  const { config, diagnostics: configDiagnostics } = loadConfig(program.projectDir, flags.config && path.resolve(io.cwd, flags.config), nodeFileHost);
  if (!config) return fail(configDiagnostics);

  const entryName = flags.entry ?? "main";
  const entryId = program.entryPipelines.get(entryName);
  let params = new Map();
  if (entryId) {
    const entry = program.pipelines.get(entryId)!;
    const given = bindParams(program, entry, { pairs: flags.param ?? [], ...(flags.params ? { paramsFile: flags.params } : {}), cwd: io.cwd }, nodeFileHost);
    for (const [f, t] of given.sources) sources.set(f, t);
    if (hasErrors(given.diagnostics)) return fail(given.diagnostics);
    params = paramValues(program, entry, given.params);
  }
  const hasher = new ContentHasher(hashCacheFile(program.projectDir));
  const compiled = await compile(program, { entry: entryName, params, hasher });
  if (!compiled.plan) return fail(compiled.diagnostics);
  return { plan: compiled.plan, config, program, projectDir: program.projectDir, hasher };
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

/** Adds the flags of `buildPlan` to a commander command. */
export function planOptions<C extends { option(flags: string, description: string, ...rest: never[]): C }>(command: C): C {
  return command
    .option("--entry <name>", "the pipeline to run (default: main)")
    .option("-p, --param <name=value>", "a parameter of the entry pipeline (repeatable)", ((v: string, acc: string[] = []) => [...acc, v]) as never)
    .option("--params <file.json>", "parameters of the entry pipeline, as a JSON object")
    .option("--config <file>", "a config file laid over the project's pipe.config.json");
}
