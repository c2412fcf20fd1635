// Loads the entry file and everything it imports, transitively: parses each module once,
// resolves import paths (`std/...` into the standard library, others against the
// importing file), and reports missing modules, import cycles and modules that cannot be
// read (not a regular file, or too large: checked before a byte is read).

import path from "node:path";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { describeProblem, stdlibDir, type FileHost } from "../host.js";
import type * as A from "../syntax/ast.js";
import { MAX_SOURCE_BYTES, parse } from "../syntax/index.js";
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

  /** The module's text, or undefined after reporting why it cannot be read (checked before reading). */
  const read = (file: string, shown: string, span: Span | undefined): string | undefined => {
    const r = host.readFile(file, MAX_SOURCE_BYTES);
    if (r.ok) return r.text;
    // Not read: a diagnostic placed at the file itself shows no text of it.
    if (r.problem === "too large" || (r.problem !== "missing" && !span)) sources.set(file, "");
    if (r.problem === "too large") diagnostics.push(at(Diag.tooLarge(r.size, r.limit), { file, start: 0, end: 0 }, span ? { related: [{ message: "imported here", span }] } : {}));
    else if (r.problem === "missing" || (r.problem === "not a file" && r.kind === "dir")) diagnostics.push(at(Diag.importNotFound(shown), span));
    else diagnostics.push(at(Diag.unreadableModule(shown, r.problem === "unreadable" ? r.reason : describeProblem("it", r)), span ?? { file, start: 0, end: 0 }, { hint: "a module must be a regular .pipe file" }));
    return undefined;
  };

  const visit = (file: string, text: string): void => {
    sources.set(file, text);
    const parsed = parse(text, file);
    append(diagnostics, parsed.diagnostics);
    const imports: { decl: A.ImportDecl; target?: string }[] = [];
    modules.set(file, { file, module: parsed.module, imports });
    onStack.push(file);
    for (const decl of parsed.module.declarations) {
      if (decl.kind !== "Import") continue;
      const target = resolveImport(decl.path.value, file);
      const kind = host.kind(target);
      if (kind === undefined || kind === "dir") {
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
      if (modules.has(target)) {
        imports.push({ decl, target });
        continue;
      }
      const imported = read(target, decl.path.value, decl.path.span);
      if (imported === undefined) {
        imports.push({ decl });
        continue;
      }
      imports.push({ decl, target });
      visit(target, imported);
    }
    onStack.pop();
  };

  const text = read(entry, path.basename(entry), undefined);
  if (text !== undefined) visit(entry, text);
  return { entry, modules, sources, diagnostics };
}

function importHint(spec: string, target: string, host: FileHost): { hint?: string } {
  if (spec.startsWith("std/")) return { hint: "standard modules live in the `stdlib/` folder of pipe" };
  if (!spec.endsWith(".pipe") && host.kind(target + ".pipe") === "file") return { hint: `did you mean "${spec}.pipe"?` };
  return { hint: "paths are relative to the importing file" };
}
