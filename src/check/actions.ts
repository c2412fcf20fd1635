// Checking an action's body: its command template, `uses` files, resources (resources.ts),
// env and settings.

import path from "node:path";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { describeKind, NOT_REGULAR_HINT, type FileHost } from "../host.js";
import type * as A from "../syntax/ast.js";
import { checkExpr, Scope, type ExprContext } from "./expressions.js";
import { checkResources } from "./resources.js";
import { pyModulePath } from "./py-actions.js";
import type { Signature } from "./signatures.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { Resources, TAction, TExpr, TInterpolation, TPy, TResource, TShell, TTs } from "./typed.js";
import * as Ty from "./types.js";

export interface ActionContext {
  readonly id: string;
  readonly file: string;
  readonly host: FileHost;
  readonly diagnostics: Diagnostic[];
  /** A Python action's module and the project modules it imports (py-analyse.ts). */
  readonly pySources: readonly string[];
}

export function checkAction(decl: A.ActionDecl, sig: Signature, cx: ActionContext): TAction {
  const dir = path.dirname(cx.file);
  const diagnostics = cx.diagnostics;
  const base = { kind: "Action" as const, id: cx.id, file: cx.file, name: decl.name.name, params: sig.params, outputs: sig.outputs, span: decl.span };
  if (!Array.isArray(decl.body)) {
    const impl = decl.body as A.TsImpl;
    const module = impl.language === "py" ? pyModulePath(dir, impl.module) : path.resolve(dir, impl.module);
    const typed: TTs | TPy = impl.language === "py" ? { kind: "Py", module, function: impl.exportName, span: impl.span, sources: cx.pySources } : { kind: "Ts", module, exportName: impl.exportName, span: impl.span };
    return { ...base, impl: typed, uses: [], resources: {}, env: [], retries: 0, cache: true };
  }
  const scope = new Scope();
  for (const p of sig.params) scope.define(p.name, { type: p.type, kind: "param" });
  const exprs: ExprContext = { scope, dir, diagnostics, outputs: new Map(sig.outputs.map((o) => [o.name, o.type])), actionName: decl.name.name };

  let shell: TShell | undefined;
  let resources: Resources = {};
  let computedResources: TResource[] = [];
  let env: { name: string; value: string }[] = [];
  let retries = 0;
  let cache = true;
  const uses: { path: string; span: A.StringLiteral["span"] }[] = [];
  const seen = new Set<string>();
  const once = (item: A.ActionItem, what: string): boolean => {
    if (seen.has(what)) {
      diagnostics.push(at(Diag.duplicateItem(`\`${what}\``), item.span));
      return false;
    }
    seen.add(what);
    return true;
  };

  for (const item of decl.body as readonly A.ActionItem[]) {
    switch (item.kind) {
      case "Shell":
        if (once(item, "shell")) shell = { kind: "Shell", parts: item.template.parts.map((p) => (typeof p === "string" ? p : checkInterpolation(p, exprs))) };
        break;
      case "Uses":
        for (const p of item.paths) {
          const abs = path.resolve(dir, p.value);
          const kind = cx.host.kind(abs);
          if (!kind) diagnostics.push(at(Diag.usesNotFound(p.value), p.span, { hint: "paths are relative to this .pipe file" }));
          else if (kind !== "file" && kind !== "dir") diagnostics.push(at(Diag.notRegularFile("`uses` file", p.value, describeKind(kind)), p.span, { hint: NOT_REGULAR_HINT }));
          uses.push({ path: abs, span: p.span });
        }
        break;
      case "Resources":
        // Over the parameters: `cpus = threads`.
        if (once(item, "resources")) ({ resources, computed: computedResources } = checkResources(item.record, { scope, dir, diagnostics }));
        break;
      case "Env":
        if (once(item, "env")) env = checkEnv(item.record, dir, diagnostics);
        break;
      case "Setting": {
        const name = item.name.name;
        if (name !== "retries" && name !== "cache") {
          diagnostics.push(at(Diag.unknownSetting(name), item.name.span, didYouMean(name, ["retries", "cache"])));
          break;
        }
        if (!once(item, name)) break;
        const value = checkExpr(item.value, { scope: new Scope(), dir, diagnostics });
        if (name === "retries") {
          if (value.kind === "Literal" && value.type.kind === "Int" && (value.value as number) >= 0) retries = value.value as number;
          else diagnostics.push(at(Diag.badSettingValue("retries", "a whole number, 0 or more"), item.value.span));
        } else if (value.kind === "Literal" && value.type.kind === "Bool") cache = value.value as boolean;
        else diagnostics.push(at(Diag.badSettingValue("cache", "`true` or `false`"), item.value.span));
        break;
      }
    }
  }
  if (!shell) {
    diagnostics.push(at(Diag.missingShell(decl.name.name), decl.name.span, { hint: 'add `shell "..."`, or implement it in TypeScript with `= ts "module.ts#function"`' }));
  }
  uses.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...base, impl: shell ?? { kind: "Shell", parts: [] }, uses, resources, ...(computedResources.length ? { computedResources } : {}), env, retries, cache };
}

function checkInterpolation(p: A.Interpolation, cx: ExprContext): TInterpolation {
  let expr = p.expr;
  let raw = false;
  let flag: TExpr | undefined;
  const builtin = (name: string) => expr.kind === "Call" && expr.callee.kind === "NameRef" && expr.callee.name === name && !cx.scope.lookup(name);
  if (builtin("raw") && expr.kind === "Call") {
    if (expr.args.length !== 1 || expr.args[0]!.name) {
      cx.diagnostics.push(at(Diag.badRawUse(), expr.span));
      return { expr: { kind: "Literal", value: null, type: Ty.ErrorT, span: p.span }, raw: true, span: p.span };
    }
    expr = expr.args[0]!.value;
    raw = true;
  } else if (builtin("flag") && expr.kind === "Call") {
    // `~{flag("--csv", csv)}`: the flag before a present value, alone for a true `Bool`.
    if (expr.args.length !== 2 || expr.args.some((a) => a.name)) {
      cx.diagnostics.push(at(Diag.badBuiltinCall("flag", 'a flag and a value: `flag("--csv", csv)`'), expr.span));
      return { expr: { kind: "Literal", value: null, type: Ty.ErrorT, span: p.span }, raw: false, span: p.span };
    }
    flag = checkExpr(expr.args[0]!.value, cx);
    if (flag.type.kind !== "String" && flag.type.kind !== "Error") {
      cx.diagnostics.push(at(Diag.typeMismatch(Ty.show(flag.type), "String"), flag.span, { hint: 'the flag is its name, such as `"--csv"`' }));
    }
    expr = expr.args[1]!.value;
  }
  const typed = checkExpr(expr, cx);
  // `~{out.NAME}` is a path whatever the output's type.
  if (typed.kind !== "Out" && !Ty.interpolatable(typed.type)) {
    const element = typed.type.kind === "List" ? typed.type.element : typed.type;
    const hint = element.kind === "Record" ? { hint: "interpolate one of its fields instead" } : {};
    if (flag) cx.diagnostics.push(at(Diag.badFlag(Ty.show(typed.type)), expr.span, hint));
    else cx.diagnostics.push(at(Diag.notInterpolatable(Ty.show(typed.type)), expr.span, hint));
  }
  return { expr: typed, raw, ...(flag ? { flag } : {}), span: p.span };
}

function checkEnv(record: A.RecordLiteral, dir: string, diagnostics: Diagnostic[]): { name: string; value: string }[] {
  const env: { name: string; value: string }[] = [];
  for (const f of record.fields) {
    const value = checkExpr(f.value, { scope: new Scope(), dir, diagnostics });
    if (env.some((e) => e.name === f.name.name)) diagnostics.push(at(Diag.duplicateField(f.name.name), f.name.span));
    else if (value.kind === "Literal" && value.value !== null && value.type.kind !== "Error") env.push({ name: f.name.name, value: String(value.value) });
    else diagnostics.push(at(Diag.badSettingValue(`env ${f.name.name}`, "a constant string, number or boolean"), f.value.span));
  }
  return env.sort((a, b) => (a.name < b.name ? -1 : 1));
}
