// Loads the entry file and everything it imports, transitively: parses each module once,
// resolves import paths (`std/...` into the standard library, others against the
// importing file), and reports missing modules and import cycles.

import path from "node:path";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { stdlibDir, type FileHost } from "../host.js";
import type * as A from "../syntax/ast.js";
import { parse } from "../syntax/index.js";
import { append } from "../arrays.js";

export interface LoadedModule {
  readonly file: string;
  readonly module: A.Module;
  /** Each import with the absolute file it names, when that file exists. */
  readonly imports: readonly { readonly decl: A.ImportDecl; readonly target?: string }[];
}

export interface LoadedProgram {
  readonly entry: string;
  readonly modules: ReadonlyMap<string, LoadedModule>;
  readonly sources: ReadonlyMap<string, string>;
  readonly diagnostics: Diagnostic[];
}

export function resolveImport(spec: string, fromFile: string): string {
  if (spec.startsWith("std/")) return path.join(stdlibDir, spec.slice(4));
  return path.resolve(path.dirname(fromFile), spec);
}

export function load(entryFile: string, host: FileHost): LoadedProgram {
  const entry = path.resolve(entryFile);
  const modules = new Map<string, LoadedModule>();
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const onStack: string[] = [];

  const visit = (file: string): void => {
    const text = host.readFile(file) ?? "";
    sources.set(file, text);
    const parsed = parse(text, file);
    append(diagnostics, parsed.diagnostics);
    const imports: { decl: A.ImportDecl; target?: string }[] = [];
    modules.set(file, { file, module: parsed.module, imports });
    onStack.push(file);
    for (const decl of parsed.module.declarations) {
      if (decl.kind !== "Import") continue;
      const target = resolveImport(decl.path.value, file);
      if (host.kind(target) !== "file") {
        diagnostics.push(at(Diag.importNotFound(decl.path.value), decl.path.span, importHint(decl.path.value, target, host)));
        imports.push({ decl });
        continue;
      }
      const cycleStart = onStack.indexOf(target);
      if (cycleStart >= 0) {
        const cycle = [...onStack.slice(cycleStart), target].map((f) => path.basename(f)).join(" → ");
        diagnostics.push(at(Diag.importCycle(cycle), decl.span));
        imports.push({ decl });
        continue;
      }
      imports.push({ decl, target });
      if (!modules.has(target)) visit(target);
    }
    onStack.pop();
  };

  if (host.kind(entry) !== "file") {
    diagnostics.push(at(Diag.importNotFound(entryFile), undefined));
    return { entry, modules, sources, diagnostics };
  }
  visit(entry);
  return { entry, modules, sources, diagnostics };
}

function importHint(spec: string, target: string, host: FileHost): { hint?: string } {
  if (spec.startsWith("std/")) return { hint: "standard modules live in the `stdlib/` folder of pipe" };
  if (!spec.endsWith(".pipe") && host.kind(target + ".pipe") === "file") return { hint: `did you mean "${spec}.pipe"?` };
  return { hint: "paths are relative to the importing file" };
}
