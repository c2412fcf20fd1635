// Type rules of the operators: `if c then a else b`, `or`, `and`, `not`, the comparisons
// `== != < <= > >=`, list concatenation `+` and indexing `xs[i]`. A condition is a `Bool`;
// both branches of an `if` have one type (their join, so `if c then 1 else 2.5` is a
// `Float` and `if c then x else none` an optional); `==` and `!=` compare two scalars (or
// optionals of them, so `tag == none` works) of one type; ordering applies to numbers and to
// strings; `+` joins two lists of one element type and nothing else: there is no arithmetic.
// Where the list and the index are written in the program, the index is checked here.

import { Diag } from "../diagnostics/catalog.js";
import { at } from "../diagnostics/diagnostic.js";
import type * as A from "../syntax/ast.js";
import { checkExpr, type ExprContext } from "./expressions.js";
import type { TExpr } from "./typed.js";
import * as Ty from "./types.js";

export function checkOperation(e: A.IfExpr | A.Binary | A.Not | A.Index, cx: ExprContext, expected?: Ty.Type): TExpr {
  switch (e.kind) {
    case "If":
      return checkIf(e, cx, expected);
    case "Not": {
      const operand = condition(e.operand, cx);
      return { kind: "Not", operand, type: Ty.Bool, span: e.span };
    }
    case "Binary":
      return checkBinary(e, cx, expected);
    case "Index":
      return checkIndex(e, cx, expected);
  }
}

function condition(e: A.Expr, cx: ExprContext): TExpr {
  const value = checkExpr(e, cx, Ty.Bool);
  if (value.type.kind !== "Bool" && value.type.kind !== "Error") {
    const hint = value.type.kind === "Optional" ? { hint: "compare it with `none`: `x != none`" } : {};
    cx.diagnostics.push(at(Diag.conditionNotBool(Ty.show(value.type)), e.span, hint));
  }
  return value;
}

function checkIf(e: A.IfExpr, cx: ExprContext, expected?: Ty.Type): TExpr {
  const cond = condition(e.cond, cx);
  const then = checkExpr(e.then, cx, expected);
  const otherwise = checkExpr(e.else, cx, expected);
  const type = Ty.join(then.type, otherwise.type);
  if (!type) {
    cx.diagnostics.push(
      at(Diag.branchesDiffer(Ty.show(then.type), Ty.show(otherwise.type)), e.span, {
        related: [
          { message: `\`${Ty.show(then.type)}\` here`, span: then.span },
          { message: `\`${Ty.show(otherwise.type)}\` here`, span: otherwise.span },
        ],
      }),
    );
  }
  return { kind: "If", cond, then, else: otherwise, type: type ?? Ty.ErrorT, span: e.span };
}

function checkBinary(e: A.Binary, cx: ExprContext, expected?: Ty.Type): TExpr {
  if (e.op === "and" || e.op === "or") {
    const left = condition(e.left, cx);
    const right = condition(e.right, cx);
    return { kind: "Binary", op: e.op, left, right, type: Ty.Bool, span: e.span };
  }
  if (e.op === "+") {
    const want = expected?.kind === "List" ? expected : undefined;
    const left = checkExpr(e.left, cx, want);
    const right = checkExpr(e.right, cx, want);
    for (const side of [left, right]) {
      if (side.type.kind !== "List" && side.type.kind !== "Error") {
        cx.diagnostics.push(at(Diag.badOperand("+", Ty.show(side.type)), side.span, { hint: "`+` joins two lists; there is no arithmetic or string concatenation" }));
        return { kind: "Binary", op: "+", left, right, type: Ty.ErrorT, span: e.span };
      }
    }
    const type = Ty.join(left.type, right.type);
    if (!type) cx.diagnostics.push(at(Diag.typeMismatch(Ty.show(right.type), Ty.show(left.type)), right.span, { hint: "`+` joins two lists of one element type" }));
    return { kind: "Binary", op: "+", left, right, type: type ?? Ty.ErrorT, span: e.span };
  }
  const left = checkExpr(e.left, cx);
  // A string compared with a path is read as a path, as it would be in an argument.
  const right = checkExpr(e.right, cx, Ty.isPathType(left.type) ? left.type : undefined);
  const result = (ok: boolean): TExpr => ({ kind: "Binary", op: e.op, left, right, type: ok ? Ty.Bool : Ty.ErrorT, span: e.span });
  if (left.type.kind === "Error" || right.type.kind === "Error") return result(false);
  if (e.op === "==" || e.op === "!=") {
    for (const side of [left, right]) {
      if (!comparable(side.type)) {
        cx.diagnostics.push(at(Diag.badOperand(e.op, Ty.show(side.type)), side.span, { hint: "`==` and `!=` compare numbers, booleans, strings, paths and `none`" }));
        return result(false);
      }
    }
    if (!Ty.join(left.type, right.type)) {
      cx.diagnostics.push(at(Diag.cannotCompare(Ty.show(left.type), Ty.show(right.type)), e.opSpan, { related: [{ message: "left", span: left.span }, { message: "right", span: right.span }] }));
      return result(false);
    }
    return result(true);
  }
  for (const side of [left, right]) {
    if (!ordered(side.type)) {
      cx.diagnostics.push(at(Diag.badOperand(e.op, Ty.show(side.type)), side.span, { hint: "ordering compares two numbers or two strings" }));
      return result(false);
    }
  }
  const numeric = (t: Ty.Type) => t.kind === "Int" || t.kind === "Float";
  if (numeric(left.type) !== numeric(right.type)) {
    cx.diagnostics.push(at(Diag.cannotCompare(Ty.show(left.type), Ty.show(right.type)), e.opSpan, { related: [{ message: "left", span: left.span }, { message: "right", span: right.span }] }));
    return result(false);
  }
  return result(true);
}

function comparable(t: Ty.Type): boolean {
  if (t.kind === "Optional") return comparable(t.inner);
  return ["Int", "Float", "Bool", "String", "File", "Dir", "None"].includes(t.kind);
}

function ordered(t: Ty.Type): boolean {
  return t.kind === "Int" || t.kind === "Float" || t.kind === "String";
}

function checkIndex(e: A.Index, cx: ExprContext, expected?: Ty.Type): TExpr {
  // Only a path flows into the list (`["a.csv", "b.csv"][i]` as a `File`): any other
  // expected type would blame each element for what is one mismatch of the whole.
  const target = checkExpr(e.target, cx, expected && Ty.isPathType(expected) ? Ty.listOf(expected) : undefined);
  const index = checkExpr(e.index, cx, Ty.Int);
  if (index.type.kind !== "Int" && index.type.kind !== "Error") {
    cx.diagnostics.push(at(Diag.typeMismatch(Ty.show(index.type), "Int"), index.span, { hint: "a list is indexed by an `Int`, from 0" }));
  }
  if (target.type.kind === "Error") return { kind: "Index", target, index, type: Ty.ErrorT, span: e.span };
  if (target.type.kind !== "List") {
    cx.diagnostics.push(at(Diag.badOperand("[...]", Ty.show(target.type)), target.span, { hint: "only a `List` is indexed" }));
    return { kind: "Index", target, index, type: Ty.ErrorT, span: e.span };
  }
  const length = staticLength(target);
  if (length !== undefined && index.kind === "Literal" && typeof index.value === "number") {
    const problem = indexProblem(index.value, length);
    if (problem) cx.diagnostics.push(at(Diag.indexOutOfRange(index.value, length), index.span, { hint: problem }));
  }
  return { kind: "Index", target, index, type: target.type.element.kind === "Never" ? Ty.ErrorT : target.type.element, span: e.span };
}

/**
 * Why `index` does not index a list of `length` values, or undefined when it does. Indexes
 * count from 0; a negative one counts from the end, as in Python (`xs[-1]` is the last).
 */
export function indexProblem(index: number, length: number): string | undefined {
  if (index >= 0 ? index < length : -index <= length) return undefined;
  if (length === 0) return "the list is empty";
  return `indexes go from 0 to ${length - 1} (or -1 to -${length} from the end)`;
}

/** The length of a list the program spells out (a literal, a `glob`, a `range` of literals), if it does. */
export function staticLength(e: TExpr): number | undefined {
  if (e.kind === "List") return e.items.length;
  if (e.kind === "Builtin" && e.name === "range") {
    const [a, b] = e.args.length === 1 ? [{ kind: "Literal", value: 0 } as const, e.args[0]] : e.args;
    if (a?.kind === "Literal" && b?.kind === "Literal" && typeof a.value === "number" && typeof b.value === "number") return Math.max(0, b.value - a.value);
  }
  if (e.kind === "Binary" && e.op === "+") {
    const a = staticLength(e.left);
    const b = staticLength(e.right);
    return a === undefined || b === undefined ? undefined : a + b;
  }
  return undefined;
}
