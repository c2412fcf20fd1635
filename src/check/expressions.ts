// Type checking of expressions, bidirectionally: an expected type flows down into literals
// (a string literal becomes a path where a `File` is expected, `[]` takes its element type
// from context), and the actual type flows up for the caller to test with `assignable`.

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type * as A from "../syntax/ast.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { resolvePosix, type FileHost } from "../host.js";
import { checkBuiltin } from "./builtins.js";
import { checkOperation } from "./operators.js";
import type { TExpr, TField } from "./typed.js";
import * as Ty from "./types.js";

export interface Binding {
  readonly type: Ty.Type;
  readonly kind: "param" | "let" | "loop";
}

/** Names visible to an expression, innermost first. */
export class Scope {
  private readonly names = new Map<string, Binding>();

  constructor(private readonly parent?: Scope) {}

  lookup(name: string): Binding | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }

  define(name: string, binding: Binding): void {
    this.names.set(name, binding);
  }

  all(): string[] {
    return [...this.names.keys(), ...(this.parent?.all() ?? [])];
  }
}

export interface ExprContext {
  readonly scope: Scope;
  /** Directory against which path literals resolve: the directory of the file they are in. */
  readonly dir: string;
  readonly diagnostics: Diagnostic[];
  /** Outputs visible as `out.NAME` (only inside an action's command). */
  readonly outputs?: ReadonlyMap<string, Ty.Type>;
  readonly actionName?: string;
  /** The project's files, for `glob` (absent where it is not allowed: in an action). */
  readonly files?: { readonly host: FileHost; readonly projectDir: string };
}

export function checkExpr(e: A.Expr, cx: ExprContext, expected?: Ty.Type): TExpr {
  const want = expected?.kind === "Optional" ? expected.inner : expected;
  switch (e.kind) {
    case "IntLiteral":
      return { kind: "Literal", value: e.value, type: Ty.Int, span: e.span };
    case "FloatLiteral":
      return { kind: "Literal", value: e.value, type: Ty.Float, span: e.span };
    case "BoolLiteral":
      return { kind: "Literal", value: e.value, type: Ty.Bool, span: e.span };
    case "StringLiteral":
      // resolvePosix: a sweep over 10,000 file names resolves each, and path.resolve's walk was most of it.
      if (want && Ty.isPathType(want)) return { kind: "Path", path: resolvePosix(cx.dir, e.value), type: want, span: e.span };
      return { kind: "Literal", value: e.value, type: Ty.Str, span: e.span };
    case "NoneLiteral":
      return { kind: "Literal", value: null, type: Ty.NoneT, span: e.span };
    case "Negate": {
      const operand = checkExpr(e.operand, cx, expected);
      if (operand.kind === "Literal" && typeof operand.value === "number") return { ...operand, value: -operand.value, span: e.span };
      if (operand.type.kind !== "Error") {
        const numeric = operand.type.kind === "Int" || operand.type.kind === "Float";
        cx.diagnostics.push(at(Diag.badNegation(Ty.show(operand.type)), e.span, numeric ? { hint: "`-` applies to number literals only; there is no arithmetic" } : {}));
      }
      return { ...operand, type: Ty.ErrorT };
    }
    case "NameRef":
      return checkName(e, cx);
    case "FieldAccess":
      return checkField(e, cx);
    case "ListLiteral":
      return checkList(e, cx, want?.kind === "List" ? want.element : undefined);
    case "RecordLiteral":
      return checkRecord(e, cx, want?.kind === "Record" ? want : undefined);
    case "Call": {
      const builtin = checkBuiltin(e, cx);
      if (builtin) return builtin;
      cx.diagnostics.push(at(callMisplaced(e), e.span));
      return { kind: "Literal", value: null, type: Ty.ErrorT, span: e.span };
    }
    case "If":
    case "Binary":
    case "Not":
    case "Index":
      return checkOperation(e, cx, expected);
    case "ForExpr":
      cx.diagnostics.push(at(Diag.callNotAllowed(), e.span));
      return { kind: "Literal", value: null, type: Ty.ErrorT, span: e.span };
  }
}

function callMisplaced(call: A.Call) {
  const name = call.callee.kind === "NameRef" ? call.callee.name : "";
  return name === "raw" ? Diag.badRawUse() : Diag.callNotAllowed();
}

function checkName(e: A.NameRef, cx: ExprContext): TExpr {
  const binding = cx.scope.lookup(e.name);
  if (binding) return { kind: "Var", name: e.name, type: binding.type, span: e.span };
  if (e.name === "out") {
    cx.diagnostics.push(at(Diag.badOutRef(), e.span));
  } else {
    cx.diagnostics.push(at(Diag.unknownName(e.name), e.span, didYouMean(e.name, cx.scope.all())));
  }
  return { kind: "Var", name: e.name, type: Ty.ErrorT, span: e.span };
}

function checkField(e: A.FieldAccess, cx: ExprContext): TExpr {
  const name = e.field.name;
  if (e.target.kind === "NameRef" && e.target.name === "out" && cx.outputs && !cx.scope.lookup("out")) {
    const type = cx.outputs.get(name);
    if (!type) {
      cx.diagnostics.push(at(Diag.unknownOut(name, cx.actionName ?? "?"), e.field.span, didYouMean(name, cx.outputs.keys())));
    }
    return { kind: "Out", name, type: type ?? Ty.ErrorT, span: e.span };
  }
  const target = checkExpr(e.target, cx);
  const t = target.type;
  if (t.kind === "Error") return { kind: "Field", target, name, type: Ty.ErrorT, span: e.span };
  if (t.kind === "Record") {
    const type = Ty.field(t, name);
    if (!type) reportField(e, target, t, cx);
    return { kind: "Field", target, name, type: type ?? Ty.ErrorT, span: e.span };
  }
  if (t.kind === "List" && t.element.kind === "Record") {
    const type = Ty.field(t.element, name);
    if (!type) reportField(e, target, t.element, cx);
    return { kind: "Project", target, name, type: type ? Ty.listOf(type) : Ty.ErrorT, span: e.span };
  }
  cx.diagnostics.push(at(Diag.notARecord(Ty.show(t)), e.field.span));
  return { kind: "Field", target, name, type: Ty.ErrorT, span: e.span };
}

function reportField(e: A.FieldAccess, target: TExpr, record: Ty.Type & { kind: "Record" }, cx: ExprContext): void {
  const names = record.fields.map((f) => f.name);
  const hint = didYouMean(e.field.name, names);
  const binding = target.kind === "Var" ? cx.scope.lookup(target.name) : undefined;
  // A `let` binding holds a call's outputs: name them as outputs.
  const head =
    binding?.kind === "let" && target.kind === "Var"
      ? Diag.unknownOutput(e.field.name, target.name)
      : Diag.unknownField(e.field.name, Ty.show(record));
  cx.diagnostics.push(at(head, e.field.span, hint.hint ? hint : { hint: `available: ${names.join(", ") || "none"}` }));
}

function checkList(e: A.ListLiteral, cx: ExprContext, element?: Ty.Type): TExpr {
  const items = e.items.map((item) => checkExpr(item, cx, element));
  let type: Ty.Type = element ?? Ty.Never;
  if (!element) {
    for (const item of items) {
      const joined = Ty.join(type, item.type);
      if (!joined) {
        cx.diagnostics.push(at(Diag.heterogeneousList(Ty.show(type), Ty.show(item.type)), item.span));
        // The list as a whole has no type then, so it raises no further mismatch.
        return { kind: "List", items, type: Ty.ErrorT, span: e.span };
      }
      type = joined;
    }
  } else {
    for (const item of items) reportUnlessAssignable(item, element, cx.diagnostics);
  }
  return { kind: "List", items, type: Ty.listOf(type), span: e.span };
}

function checkRecord(e: A.RecordLiteral, cx: ExprContext, expected?: Ty.Type & { kind: "Record" }): TExpr {
  const fields = checkFieldInits(e.fields, cx, (name) => (expected ? Ty.field(expected, name) : undefined));
  const type = Ty.recordOf(fields.map((f) => ({ name: f.name, type: f.value.type })));
  return { kind: "Record", fields, type, span: e.span };
}

/** `name = value` lists (record fields, `with`, `return`): duplicates reported, values checked. */
export function checkFieldInits(inits: readonly A.FieldInit[], cx: ExprContext, expectedOf: (name: string) => Ty.Type | undefined): TField[] {
  const seen = new Set<string>();
  const fields: TField[] = [];
  for (const init of inits) {
    if (seen.has(init.name.name)) {
      cx.diagnostics.push(at(Diag.duplicateField(init.name.name), init.name.span));
      continue;
    }
    seen.add(init.name.name);
    fields.push({ name: init.name.name, value: checkExpr(init.value, cx, expectedOf(init.name.name)), span: init.span });
  }
  return fields;
}

export function reportUnlessAssignable(value: TExpr, expected: Ty.Type, diagnostics: Diagnostic[], span: Span = value.span): boolean {
  if (Ty.assignable(value.type, expected)) return true;
  if (value.type.kind === "None") diagnostics.push(at(Diag.noneNotAllowed(Ty.show(expected)), span, { hint: `declare it as \`${Ty.show(expected)}?\` to allow \`none\`` }));
  else diagnostics.push(at(Diag.typeMismatch(Ty.show(value.type), Ty.show(expected)), span, conversionHint(value, expected)));
  return false;
}

function conversionHint(value: TExpr, expected: Ty.Type): { hint?: string } {
  if (value.type.kind === "Float" && expected.kind === "Int") return { hint: "a `Float` never narrows to `Int`; write a whole number" };
  if (value.type.kind === "String" && value.kind === "Literal" && (expected.kind === "Float" || expected.kind === "Int")) {
    return Number.isNaN(Number(value.value)) ? {} : { hint: `remove the quotes: ${String(value.value)}` };
  }
  if (value.type.kind === "String" && Ty.isPathType(expected)) return { hint: "only a string literal is taken as a path" };
  return {};
}

/** Constants: what may stand as a default value or a resource. */
export function isConstant(e: TExpr): boolean {
  switch (e.kind) {
    case "Literal":
    case "Path":
      return true;
    case "List":
      return e.items.every(isConstant);
    case "Record":
      return e.fields.every((f) => isConstant(f.value));
    case "If":
      return isConstant(e.cond) && isConstant(e.then) && isConstant(e.else);
    case "Binary":
      return isConstant(e.left) && isConstant(e.right);
    case "Not":
      return isConstant(e.operand);
    case "Index":
      return isConstant(e.target) && isConstant(e.index);
    case "Builtin":
      return e.args.every(isConstant);
    default:
      return false;
  }
}
