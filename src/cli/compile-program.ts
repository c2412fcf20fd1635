// Compiling a program for a plan-based command (build-plan.ts) when no kept plan can be
// reused: the front end, the config, the parameters, the plan; what it read is logged so
// that the plan is kept for the next same invocation.

import path from "node:path";
import { bindParams, type ParamBinding } from "../check/params.js";
import { loadConfig, pythonFor } from "../config/index.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { nodeFileHost } from "../host.js";
import { ContentHasher } from "../plan/content-hash.js";
import { compile } from "../plan/index.js";
import { paramValues } from "../plan/params.js";
import { keepPlan, ReadLog, type Invocation } from "../plan/plan-cache.js";
import { frontEnd } from "../phases.js";
import { changedParams as changedParamsOf } from "../results/run-context.js";
import { hashCacheFile } from "../store/layout.js";
import type { BuiltPlan, PlanFlags } from "./build-plan.js";
import type { Io } from "./io.js";
import { diagnosticsJson, printDiagnostics, sourcesFor } from "./report.js";
import { sortDiagnostics } from "../diagnostics/diagnostic.js";
import { renderDiagnostics } from "../diagnostics/render.js";

/** `keep`: whether the plan is kept in the plan cache for the next same invocation. */
export async function compileProgram(invocation: Invocation, flags: PlanFlags, io: Io, keep: boolean): Promise<BuiltPlan | undefined> {
  const projectDir = path.dirname(invocation.entryFile);
  // A fresh hasher: what it `saw` is then exactly what this compilation hashed.
  const hasher = new ContentHasher(hashCacheFile(projectDir));
  const log = new ReadLog(nodeFileHost);
  const front = frontEnd(invocation.entryFile, log);
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

  const { config, diagnostics: configDiagnostics } = loadConfig(projectDir, invocation.configFile, log);
  if (!config) return fail(configDiagnostics);

  const entryId = program.entryPipelines.get(invocation.entry);
  let params = new Map();
  let bindings: ReadonlyMap<string, ParamBinding> = new Map();
  if (entryId) {
    const entry = program.pipelines.get(entryId)!;
    const given = bindParams(program, entry, { pairs: invocation.params, ...(flags.params ? { paramsFile: flags.params } : {}), cwd: io.cwd }, log);
    for (const [f, t] of given.sources) sources.set(f, t);
    if (hasErrors(given.diagnostics)) return fail(given.diagnostics);
    params = paramValues(program, entry, given.params);
    bindings = given.params;
  }
  const options = { entry: invocation.entry, params, hasher, python: (action: Parameters<typeof pythonFor>[1]) => pythonFor(config, action), storeDir: config.storeDir };
  const compiled = await compile(program, options);
  if (!compiled.plan) return fail(compiled.diagnostics);
  const changedParams = changedParamsOf(program, compiled.plan, bindings);
  // A plan that read a list from the store depends on more than the files the log saw.
  const notePlanHash = keep && !compiled.readStore ? keepPlan(invocation, log, hasher, { plan: compiled.plan, config, warnings: front.diagnostics, changedParams }) : undefined;
  const replan = async () => {
    const again = await compile(program, options);
    if (again.plan) return { plan: again.plan };
    const sorted = sortDiagnostics(again.diagnostics);
    return { error: renderDiagnostics(sorted, sourcesFor(sorted, sources), { cwd: io.cwd, color: false }) };
  };
  return { plan: compiled.plan, config, projectDir, hasher, reused: false, changedParams, program, sources: front.sources, replan, ...(notePlanHash ? { notePlanHash } : {}) };
}

