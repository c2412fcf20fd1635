// The check phase's entry: `check(loaded, host)` resolves names across modules, type-checks
// every action and pipeline, and analyses `with`. It returns the typed program and every
// diagnostic found; it never throws for a user's mistake.

import path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { FileHost } from "../host.js";
import type * as A from "../syntax/ast.js";
import { checkAction } from "./actions.js";
import { buildScopes } from "./declarations.js";
import type { LoadedProgram } from "./load.js";
import { checkPipeline, type CalleeInfo } from "./pipelines.js";
import { resolveSignature, type Signature } from "./signatures.js";
import { tsSignature } from "./ts-actions.js";
import { analysePython } from "./py-analyse.js";
import { pyModulePath, pyModuleReadable, pySignature } from "./py-actions.js";
import type { TAction, TPipeline, TypedProgram } from "./typed.js";
import { analyseWith, type PipelineFacts } from "./with-analysis.js";

export interface CheckResult {
  readonly program: TypedProgram;
  readonly diagnostics: Diagnostic[];
}

export function check(loaded: LoadedProgram, host: FileHost): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const projectDir = path.dirname(loaded.entry);
  const scopes = buildScopes(loaded, projectDir, diagnostics);
  const files = { host, projectDir };

  // Python actions' modules, all read by one analyser process.
  const pyModules = new Set<string>();
  for (const scope of scopes.values()) {
    for (const c of scope.own.values()) {
      const impl = c.kind === "Action" && !Array.isArray(c.decl.body) ? (c.decl.body as A.TsImpl) : undefined;
      if (impl?.language !== "py" || impl.exportName === "") continue;
      const ref = { module: pyModulePath(path.dirname(scope.file), impl.module), function: impl.exportName, span: impl.span };
      if (!pyModules.has(ref.module) && pyModuleReadable(ref, host, diagnostics)) pyModules.add(ref.module);
    }
  }
  const pyAnalysis = analysePython([...pyModules].sort(), projectDir);
  const pySources = new Map<string, readonly string[]>();

  // Signatures first, so that every call can be checked whatever the declaration order.
  const callees = new Map<string, CalleeInfo>();
  for (const scope of scopes.values()) {
    const dir = path.dirname(scope.file);
    for (const c of scope.own.values()) {
      let sig: Signature | undefined = c.decl.signature && resolveSignature(c.decl.signature, dir, diagnostics, c.kind === "Action" ? "action" : "pipeline", c.kind === "Pipeline" ? files : undefined);
      // A malformed `ts` reference has no export name; it was reported by the parser.
      if (c.kind === "Action" && !Array.isArray(c.decl.body) && (c.decl.body as A.TsImpl).exportName !== "") {
        const impl = c.decl.body as A.TsImpl;
        const module = impl.language === "py" ? pyModulePath(dir, impl.module) : path.resolve(dir, impl.module);
        if (impl.language === "py") {
          const read = pyModules.has(module) ? pySignature({ module, function: impl.exportName, span: impl.span }, sig, pyAnalysis, diagnostics) : { signature: sig, sources: [] };
          sig = read.signature;
          pySources.set(c.id, read.sources);
        } else sig = tsSignature({ module, exportName: impl.exportName, span: impl.span }, sig, host, diagnostics);
      }
      callees.set(c.id, { kind: c.kind, id: c.id, name: c.decl.name.name, ...(sig ?? { params: [], outputs: [] }) });
    }
  }

  const actions = new Map<string, TAction>();
  const pipelines = new Map<string, TPipeline>();
  const facts = new Map<string, PipelineFacts>();
  for (const scope of scopes.values()) {
    for (const c of scope.own.values()) {
      const sig = callees.get(c.id)!;
      if (c.kind === "Action") {
        actions.set(c.id, checkAction(c.decl, sig, { id: c.id, file: c.file, host, diagnostics, pySources: pySources.get(c.id) ?? [] }));
      } else {
        const { pipeline, calls } = checkPipeline(c.decl, sig, { id: c.id, file: c.file, module: scope, scopes, callees, diagnostics, files });
        pipelines.set(c.id, pipeline);
        facts.set(c.id, { id: c.id, name: pipeline.name, withs: pipeline.withs, calls });
      }
    }
  }
  analyseWith(facts, diagnostics);

  const entryPipelines = new Map<string, string>();
  for (const c of scopes.get(loaded.entry)?.own.values() ?? []) if (c.kind === "Pipeline") entryPipelines.set(c.decl.name.name, c.id);
  return { program: { projectDir, entryFile: loaded.entry, actions, pipelines, entryPipelines }, diagnostics };
}
