// `let` bindings that nothing refers to. Their tasks still run, but their outputs go
// nowhere, which is most often a forgotten `return`: a warning. A name starting with `_`
// says the task is wanted only for its effect. Bindings whose value did not check are
// left alone: they have an error already.

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import type * as A from "../syntax/ast.js";

export function reportUnusedLets(decl: A.PipelineDecl, bound: ReadonlySet<string>, diagnostics: Diagnostic[]): void {
  const used = new Set<string>();
  for (const stmt of decl.body) {
    if (stmt.kind === "Let") namesIn(stmt.value, used);
    else for (const f of stmt.fields) namesIn(f.value, used);
  }
  for (const stmt of decl.body) {
    if (stmt.kind !== "Let" || !bound.has(stmt.name.name) || stmt.name.name.startsWith("_") || used.has(stmt.name.name)) continue;
    diagnostics.push(at(Diag.unusedLet(stmt.name.name), stmt.name.span, { hint: `return or pass on its outputs, or name it \`_${stmt.name.name}\` if the task is wanted only for its effect` }));
  }
}

function namesIn(e: A.Expr, into: Set<string>): void {
  switch (e.kind) {
    case "NameRef":
      into.add(e.name);
      break;
    case "FieldAccess":
      namesIn(e.target, into);
      break;
    case "Negate":
      namesIn(e.operand, into);
      break;
    case "ListLiteral":
      for (const item of e.items) namesIn(item, into);
      break;
    case "RecordLiteral":
      for (const f of e.fields) namesIn(f.value, into);
      break;
    case "Call":
      namesIn(e.callee, into);
      for (const a of e.args) namesIn(a.value, into);
      break;
    case "ForExpr":
      for (const s of e.sources) namesIn(s, into);
      namesIn(e.body, into);
      break;
    case "If":
      namesIn(e.cond, into);
      namesIn(e.then, into);
      namesIn(e.else, into);
      break;
    case "Binary":
      namesIn(e.left, into);
      namesIn(e.right, into);
      break;
    case "Not":
      namesIn(e.operand, into);
      break;
    case "Index":
      namesIn(e.target, into);
      namesIn(e.index, into);
      break;
    default:
      break;
  }
}
