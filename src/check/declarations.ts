// Name resolution across modules: each module's own actions and pipelines, the names its
// unqualified imports bring into scope, and its `alias.name` qualified imports.

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { relativePosix, stdlibDir } from "../host.js";
import type * as A from "../syntax/ast.js";
import type { LoadedProgram } from "./load.js";
import { didYouMean } from "../diagnostics/suggest.js";

export type Callable = { readonly kind: "Action"; readonly decl: A.ActionDecl; readonly id: string; readonly file: string }
  | { readonly kind: "Pipeline"; readonly decl: A.PipelineDecl; readonly id: string; readonly file: string };

/** Two unqualified imports that bring different definitions of one name. */
export interface Clash {
  readonly kind: "Clash";
  readonly first: Callable;
  readonly second: Callable;
  /** The import (as written) that brought `second`. */
  readonly via: string;
}

export interface ModuleScope {
  readonly file: string;
  /** The module's own definitions. */
  readonly own: ReadonlyMap<string, Callable>;
  /** Own definitions plus those of unqualified imports (own ones win). */
  readonly visible: ReadonlyMap<string, Callable | Clash>;
  readonly aliases: ReadonlyMap<string, string>;
}

export function callableId(projectDir: string, file: string, name: string): string {
  const rel = file.startsWith(stdlibDir) ? "std/" + relativePosix(stdlibDir, file) : relativePosix(projectDir, file);
  return `${rel}#${name}`;
}

export function buildScopes(loaded: LoadedProgram, projectDir: string, diagnostics: Diagnostic[]): Map<string, ModuleScope> {
  const owns = new Map<string, Map<string, Callable>>();
  for (const [file, { module }] of loaded.modules) {
    const own = new Map<string, Callable>();
    for (const decl of module.declarations) {
      if (decl.kind === "Import") continue;
      const name = decl.name.name;
      const previous = own.get(name);
      if (previous) {
        diagnostics.push(
          at(Diag.duplicateDefinition(decl.kind === "Action" ? "action" : "pipeline", name), decl.name.span, {
            related: [{ message: "first defined here", span: previous.decl.name.span }],
          }),
        );
        continue;
      }
      const id = callableId(projectDir, file, name);
      own.set(name, decl.kind === "Action" ? { kind: "Action", decl, id, file } : { kind: "Pipeline", decl, id, file });
    }
    owns.set(file, own);
  }

  const scopes = new Map<string, ModuleScope>();
  for (const [file, loadedModule] of loaded.modules) {
    const own = owns.get(file)!;
    const visible = new Map<string, Callable | Clash>(own);
    const aliases = new Map<string, string>();
    for (const { decl, target } of loadedModule.imports) {
      if (decl.alias) {
        if (aliases.has(decl.alias.name) || own.has(decl.alias.name)) {
          diagnostics.push(at(Diag.duplicateDefinition("name", decl.alias.name), decl.alias.span));
        } else if (target) aliases.set(decl.alias.name, target);
        continue;
      }
      if (!target) continue;
      for (const [name, callable] of owns.get(target) ?? []) {
        if (own.has(name)) continue;
        const existing = visible.get(name);
        if (existing && existing !== callable) {
          if (existing.kind !== "Clash") visible.set(name, { kind: "Clash", first: existing, second: callable, via: decl.path.value });
        } else visible.set(name, callable);
      }
    }
    scopes.set(file, { file, own, visible, aliases });
  }
  return scopes;
}

/** The action or pipeline a callee expression names, or a diagnostic saying why there is none. */
export function resolveCallee(callee: A.Expr, scope: ModuleScope, scopes: ReadonlyMap<string, ModuleScope>, diagnostics: Diagnostic[]): Callable | undefined {
  if (callee.kind === "NameRef") {
    const found = scope.visible.get(callee.name);
    if (found?.kind === "Clash") {
      diagnostics.push(
        at(Diag.importedNameClash(callee.name, found.via), callee.span, {
          hint: "import one of the modules with `as` and qualify the call",
          related: [
            { message: "one definition", span: found.first.decl.name.span },
            { message: "the other definition", span: found.second.decl.name.span },
          ],
        }),
      );
      return undefined;
    }
    if (!found) {
      const names = [...scope.visible.keys()];
      diagnostics.push(at(Diag.unknownName(callee.name), callee.span, didYouMean(callee.name, names)));
    }
    return found;
  }
  if (callee.kind === "FieldAccess" && callee.target.kind === "NameRef") {
    const target = scope.aliases.get(callee.target.name);
    if (!target) {
      diagnostics.push(at(Diag.unknownName(callee.target.name), callee.target.span, didYouMean(callee.target.name, scope.aliases.keys())));
      return undefined;
    }
    const own = scopes.get(target)?.own;
    const found = own?.get(callee.field.name);
    if (!found) {
      diagnostics.push(at(Diag.unknownModuleMember(callee.target.name, callee.field.name), callee.field.span, didYouMean(callee.field.name, own?.keys() ?? [])));
    }
    return found;
  }
  diagnostics.push(at(Diag.callExpected(), callee.span));
  return undefined;
}
