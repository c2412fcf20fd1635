// The built-in functions, as the checker sees them: which names exist, what each takes and
// gives. `len(xs)` is an `Int`; `range(a, b)` the `List[Int]` from `a` up to, not including,
// `b` (`range(n)` from 0); `flatten(xss)` a `List[T]` from a `List[List[T]]`; `basename(f)`
// and `stem(f)` a path's last component, and that without its extension, as `String`s;
// `glob("pattern")` the project's files matching (glob.ts), resolved here into a list of
// paths, so that they enter keys as any `File` does. `flag` lives in commands only
// (actions.ts), `zip` in a `for` head only (pipelines.ts). Evaluation: src/plan/evaluate.ts.
// A built-in's name stays a plain name: a parameter called `len` hides the function.

import path from "node:path";
import { Diag } from "../diagnostics/catalog.js";
import { at } from "../diagnostics/diagnostic.js";
import type * as A from "../syntax/ast.js";
import { checkExpr, type ExprContext } from "./expressions.js";
import { glob } from "./glob.js";
import type { BuiltinName, TExpr } from "./typed.js";
import * as Ty from "./types.js";

/** `range` makes at most this many values: more is surely a mistake, and would fill memory. */
export const MAX_RANGE = 1_000_000;

const forms: Record<BuiltinName | "glob", string> = {
  len: "one list: `len(xs)`",
  range: "one or two `Int`s: `range(a, b)` counts from `a` up to, not including, `b`",
  flatten: "one list of lists: `flatten(xss)`",
  basename: "one `File`, `Dir` or `String`: `basename(f)`",
  stem: "one `File`, `Dir` or `String`: `stem(f)`",
  glob: 'one string literal: `glob("data/*.csv")`',
};

const placed: Record<string, string> = {
  flag: 'inside `~{...}` in a command, as `~{flag("--name", value)}`',
  zip: "as the list of a `for (a, b) in zip(xs, ys)` loop",
};

export const builtinNames: ReadonlySet<string> = new Set([...Object.keys(forms), ...Object.keys(placed), "raw"]);

/** The typed call of a built-in function, or undefined when `call` names none (the caller reports it). */
export function checkBuiltin(call: A.Call, cx: ExprContext): TExpr | undefined {
  if (call.callee.kind !== "NameRef" || cx.scope.lookup(call.callee.name)) return undefined;
  const name = call.callee.name;
  const error: TExpr = { kind: "Literal", value: null, type: Ty.ErrorT, span: call.span };
  if (name in placed) {
    cx.diagnostics.push(at(Diag.builtinMisplaced(name, placed[name]!), call.span));
    for (const a of call.args) checkExpr(a.value, cx);
    return error;
  }
  if (!(name in forms)) return undefined;
  const form = forms[name as BuiltinName | "glob"];
  const named = call.args.find((a) => a.name);
  const arity = name === "range" ? [1, 2] : [1];
  if (named || !arity.includes(call.args.length)) {
    cx.diagnostics.push(at(Diag.badBuiltinCall(name, form), named?.span ?? call.span, named ? { hint: "its arguments have no names" } : {}));
    for (const a of call.args) checkExpr(a.value, cx);
    return error;
  }
  if (name === "glob") return checkGlob(call, cx);
  const builtin = name as BuiltinName;
  const args = call.args.map((a) => checkExpr(a.value, cx, builtin === "range" ? Ty.Int : builtin === "basename" || builtin === "stem" ? Ty.Str : undefined));
  const wrong = (arg: TExpr) => {
    cx.diagnostics.push(at(Diag.badBuiltinCall(name, form), arg.span, { hint: `this is \`${Ty.show(arg.type)}\`` }));
    return error;
  };
  const bad = args.find((a) => a.type.kind === "Error");
  if (bad) return { ...error, span: call.span };
  const result = (type: Ty.Type): TExpr => ({ kind: "Builtin", name: builtin, args, type, span: call.span });
  const [first] = args as [TExpr];
  switch (builtin) {
    case "len":
      return first.type.kind === "List" ? result(Ty.Int) : wrong(first);
    case "range": {
      const notInt = args.find((a) => a.type.kind !== "Int");
      if (notInt) return wrong(notInt);
      const [a, b] = args.length === 1 ? [0, args[0]] : [args[0], args[1]];
      const from = typeof a === "number" ? a : a?.kind === "Literal" ? a.value : undefined;
      const to = b?.kind === "Literal" ? b.value : undefined;
      if (typeof from === "number" && typeof to === "number" && to - from > MAX_RANGE) {
        cx.diagnostics.push(at(Diag.rangeTooLong(to - from, MAX_RANGE), call.span));
        return error;
      }
      return result(Ty.listOf(Ty.Int));
    }
    case "flatten":
      if (first.type.kind !== "List") return wrong(first);
      if (first.type.element.kind === "Never") return result(first.type);
      return first.type.element.kind === "List" ? result(first.type.element) : wrong(first);
    case "basename":
    case "stem":
      return first.type.kind === "String" || Ty.isPathType(first.type) ? result(Ty.Str) : wrong(first);
  }
}

function checkGlob(call: A.Call, cx: ExprContext): TExpr {
  const arg = call.args[0]!.value;
  const error: TExpr = { kind: "Literal", value: null, type: Ty.ErrorT, span: call.span };
  if (arg.kind !== "StringLiteral") {
    cx.diagnostics.push(at(Diag.badBuiltinCall("glob", forms.glob), arg.span, { hint: "the files are found when compiling, so the pattern is written out" }));
    return error;
  }
  if (!cx.files) {
    cx.diagnostics.push(at(Diag.builtinMisplaced("glob", "in a pipeline or a pipeline parameter's default"), call.span, { hint: "pass the files to the action as a `List[File]` parameter, so that their content enters the key" }));
    return error;
  }
  const found = glob(arg.value, cx.dir, cx.files.projectDir, cx.files.host);
  if (!found.ok) {
    if (found.problem === "outside") cx.diagnostics.push(at(Diag.globOutside(arg.value), arg.span, { hint: `${found.reason}; a project's files are below the directory of its entry .pipe file` }));
    else cx.diagnostics.push(at(Diag.badGlob(found.reason), arg.span));
    return error;
  }
  if (found.files.length === 0) {
    cx.diagnostics.push(at(Diag.globNoMatch(arg.value), call.span, { hint: "the pattern is relative to this .pipe file; `*` does not match a leading `.`, and `.pipe/` is never searched" }));
  }
  const items: TExpr[] = found.files.map((file) => ({ kind: "Path", path: file, type: Ty.FileT, span: arg.span, label: path.basename(file) }));
  return { kind: "List", items, type: Ty.listOf(Ty.FileT), span: call.span };
}
